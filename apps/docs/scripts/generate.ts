/**
 * Generates the docs site sources into apps/docs/generated/ (the VitePress srcDir) from schemas/.
 * Usage: tsx scripts/generate.ts [--schemas <dir>] [--out <dir>]
 */
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { findClientBundle, writeSite } from '../src/write.js';

const docsRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    schemas: { type: 'string', default: resolve(docsRoot, '../../schemas') },
    out: { type: 'string', default: join(docsRoot, 'generated') },
  },
});

try {
  const bundle = findClientBundle();
  const result = await writeSite({
    schemasDir: resolve(values.schemas),
    outDir: resolve(values.out),
    pagesDir: join(docsRoot, 'pages'),
    ...(bundle ? { clientBundle: bundle } : {}),
  });
  process.stdout.write(
    `docs: generated ${result.files.length} files in ${relative(process.cwd(), resolve(values.out)) || '.'}\n`,
  );
  if (!result.clientBundled) {
    process.stderr.write(
      'docs: @causeflow/client browser build not found (build @causeflow/client); the live page will say so.\n',
    );
  }
} catch (error) {
  process.stderr.write(`docs: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
