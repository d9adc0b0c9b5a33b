/**
 * Browser importability: the package bundles with esbuild for the browser (no Node built-ins, no
 * ajv compiler), and the bundle validates events in a bare JavaScript realm (no process, require,
 * Buffer) and as an ES module.
 * The entry is src/index.ts (what dist/ is compiled from, always present); dist/index.js, what
 * consumers import, is bundled too when it has been built.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { runInNewContext } from 'node:vm';
import { type BuildOptions, build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import samples from './fixtures/product-samples.json' with { type: 'json' };

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(packageRoot, 'dist/index.js');
const entries = [join(packageRoot, 'src/index.ts'), ...(existsSync(dist) ? [dist] : [])];
const nodeBuiltins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
let tmp: string;

async function bundle(entry: string, options: BuildOptions = {}) {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
    ...options,
  });
  const file = result.outputFiles?.[0];
  if (!file) throw new Error('esbuild produced no output');
  return { code: file.text, inputs: Object.keys(result.metafile?.inputs ?? {}), result };
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'events-browser-'));
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe.each(entries.map((e) => [e.slice(packageRoot.length + 1), e]))(
  'bundling %s for the browser',
  (_name, entry) => {
    it('builds without errors, Node built-ins or any part of ajv', async () => {
      const { inputs, result } = await bundle(entry);
      expect(result.errors).toEqual([]);
      expect(result.warnings).toEqual([]);
      expect(inputs.filter((i) => nodeBuiltins.has(i) || i.startsWith('node:'))).toEqual([]);
      // The formats and ucs2length the validators call are emitted into validators.ts.
      expect(inputs.filter((i) => /(^|\/)ajv(-formats)?\//.test(i))).toEqual([]);
    }, 30_000);

    it('validates events in a bare realm without process, require or Buffer', async () => {
      const { code } = await bundle(entry, { format: 'iife', globalName: 'CauseFlowEvents' });
      const realm: Record<string, unknown> = { samples: JSON.parse(JSON.stringify(samples)) };
      runInNewContext(code, realm);
      const verdicts = runInNewContext(
        `(() => {
        const { validateEvent } = CauseFlowEvents;
        const ok = samples.map((s) => validateEvent(s).ok);
        const title = Object.assign({}, samples[1], { data: Object.assign({}, samples[1].data, { title: '' }) });
        const when = Object.assign({}, samples[0], { timestamp: 'yesterday' });
        return JSON.stringify({ ok, title: validateEvent(title).errors, when: validateEvent(when).errors,
          hasProcess: typeof process !== 'undefined', hasRequire: typeof require !== 'undefined' });
      })()`,
        realm,
      ) as string;
      const parsed = JSON.parse(verdicts);
      expect(parsed.hasProcess).toBe(false);
      expect(parsed.hasRequire).toBe(false);
      expect(parsed.ok).toEqual(samples.map(() => true));
      expect(parsed.title).toEqual([
        {
          path: '/data/title',
          keyword: 'minLength',
          message: 'must NOT have fewer than 1 characters',
        },
      ]);
      expect(parsed.when).toEqual([
        { path: '/timestamp', keyword: 'format', message: 'must match format "date-time"' },
      ]);
    }, 30_000);

    it('runs as an ES module and validates a sample', async () => {
      const { code } = await bundle(entry);
      const id = Math.random().toString(36).slice(2);
      await writeFile(join(tmp, `bundle-${id}.mjs`), code);
      const file = join(tmp, `run-${id}.mjs`);
      await writeFile(
        file,
        `import { validateEvent } from './bundle-${id}.mjs';\n` +
          `const r = validateEvent(${JSON.stringify(samples[6])});\n` +
          'process.stdout.write(JSON.stringify(r.ok));\n',
      );
      const { stdout } = await promisify(execFile)(process.execPath, [file]);
      expect(stdout).toBe('true');
    }, 30_000);
  },
);
