// Bundles the browser build: dist/index.js (tsc output) → dist/browser/causeflow-client.js (ESM).
// `bundleBrowser` is also used by the browser test to bundle the sources the same way.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** Bundles `entry` into one ESM file for browsers at `outfile`; returns its size in bytes. */
export async function bundleBrowser(entry, outfile, { sourcemap = true } = {}) {
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    minify: true,
    sourcemap,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
  const bytes =
    result.metafile.outputs[Object.keys(result.metafile.outputs).find((k) => k.endsWith('.js'))]
      .bytes;
  if (!bytes) throw new Error(`empty bundle: ${outfile}`);
  return bytes;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await bundleBrowser('dist/index.js', 'dist/browser/causeflow-client.js');
}
