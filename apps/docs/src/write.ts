/**
 * Writes the generated site to disk: loads and lints the schema set, renders every page and API
 * document, copies the hand-written pages and the browser build of @causeflow/client.
 */
import { access, copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatProblem, lintSchemaSet, loadSchemaSet } from '@causeflow/codegen';
import { expandLifecycle } from './lifecycle.js';
import { docsModel } from './model.js';
import { DocsError } from './schema.js';
import { type GeneratedSite, generateSite } from './site.js';

/** Where the live page loads the client from, relative to the site's public folder. */
export const CLIENT_BUNDLE = 'client/causeflow-client.js';

/** What `writeSite` reads and writes. */
export interface WriteSiteOptions {
  /** The schemas folder (defs.json, envelope.json, domains.json, events/). */
  readonly schemasDir: string;
  /** The VitePress source folder to (re)create. */
  readonly outDir: string;
  /** Hand-written Markdown pages copied as they are (getting started, contract, home). */
  readonly pagesDir?: string;
  /** The browser build of @causeflow/client; omitted or missing: the live page says so. */
  readonly clientBundle?: string;
}

/** What was written. */
export interface WriteSiteResult {
  readonly site: GeneratedSite;
  readonly files: readonly string[];
  /** False when the client bundle was not found (the live page cannot connect). */
  readonly clientBundled: boolean;
}

/** The file of `@causeflow/client/browser` (the ESM browser build), when the client is installed. */
export function findClientBundle(): string | undefined {
  try {
    return fileURLToPath(import.meta.resolve('@causeflow/client/browser'));
  } catch {
    return undefined;
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * Regenerates `outDir` from the schemas: wipes it, writes every page, the API documents and the
 * sidebar, then copies the hand-written pages and the client bundle. Throws `DocsError` on lint
 * problems (nothing is written then).
 * @example await writeSite({ schemasDir: '../../schemas', outDir: 'generated', pagesDir: 'pages' });
 */
export async function writeSite(options: WriteSiteOptions): Promise<WriteSiteResult> {
  const set = await loadSchemaSet(options.schemasDir);
  const problems = lintSchemaSet(set);
  if (problems.length > 0) {
    throw new DocsError(
      `${problems.length} schema problem(s):\n${problems.map(formatProblem).join('\n')}`,
    );
  }
  const site = generateSite(docsModel(set));
  await rm(options.outDir, { recursive: true, force: true });
  const written: string[] = [];
  for (const [path, content] of site.files) {
    const target = join(options.outDir, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
    written.push(path);
  }
  if (options.pagesDir) {
    for (const name of (await readdir(options.pagesDir)).sort()) {
      if (!name.endsWith('.md')) continue;
      if (site.files.has(name))
        throw new DocsError(`pages/${name} would overwrite a generated page`);
      const page = await readFile(join(options.pagesDir, name), 'utf8');
      await writeFile(join(options.outDir, name), expandLifecycle(page, './'));
      written.push(name);
    }
  }
  let clientBundled = false;
  if (options.clientBundle && (await exists(options.clientBundle))) {
    const target = join(options.outDir, 'public', CLIENT_BUNDLE);
    await mkdir(dirname(target), { recursive: true });
    await copyFile(options.clientBundle, target);
    if (await exists(`${options.clientBundle}.map`)) {
      await copyFile(`${options.clientBundle}.map`, `${target}.map`);
    }
    written.push(`public/${CLIENT_BUNDLE}`);
    clientBundled = true;
  }
  return { site, files: written, clientBundled };
}
