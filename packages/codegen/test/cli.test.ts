/**
 * The codegen CLI against temp copies of the fixture schemas and of their golden output: most
 * cases in process through `runCodegen` (what cli.ts calls), the exit codes and `--watch` as users
 * run it (`tsx src/cli.ts`, what `pnpm codegen` calls).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCodegen } from '../src/run.js';
import { fixtureSchemasDir, goldenDir, packageRoot, repoRoot } from './support.js';

const tsx = join(packageRoot, 'node_modules/.bin/tsx');
const cli = join(packageRoot, 'src/cli.ts');
let tmp: string;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function codegen(...args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      tsx,
      [cli, ...args],
      { cwd: packageRoot, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Runs codegen in process, collecting what it prints. */
async function runInProcess(schemasDir: string, outDir: string, check: boolean): Promise<Result> {
  let stdout = '';
  let stderr = '';
  const code = await runCodegen({
    schemasDir,
    outDir,
    check,
    root: repoRoot,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

/** A fresh folder under the test's temp dir, optionally a copy of `from`. */
async function folder(name: string, from?: string): Promise<string> {
  const path = join(tmp, name);
  if (from) await cp(from, path, { recursive: true });
  return path;
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'codegen-cli-'));
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('codegen CLI', () => {
  it('--check exits 0 on the committed output of the real schemas', async () => {
    const result = await runInProcess(
      join(repoRoot, 'schemas'),
      join(repoRoot, 'packages/events/src/generated'),
      true,
    );
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('codegen --check: generated output is up to date.');
    expect(result.code).toBe(0);
  }, 30_000);

  it('--check exits 1 with a readable diff naming the stale file, and changes nothing', async () => {
    const out = await folder('stale', goldenDir);
    const catalog = join(out, 'catalog.ts');
    const golden = await readFile(catalog, 'utf8');
    const edited = golden.replace('"title": "Order placed"', '"title": "Order put"');
    expect(edited).not.toBe(golden);
    await writeFile(catalog, edited);

    const result = await runInProcess(fixtureSchemasDir, out, true);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^--- .*catalog\.ts \(committed\)$/m);
    expect(result.stderr).toMatch(/^\+\+\+ .*catalog\.ts \(from schemas\)$/m);
    expect(result.stderr).toContain('-    "title": "Order put",');
    expect(result.stderr).toContain('+    "title": "Order placed",');
    expect(result.stderr).toMatch(/catalog\.ts out of date; run `pnpm codegen`/);
    expect(result.stderr).not.toContain('types.ts');
    expect(await readFile(catalog, 'utf8')).toBe(edited);
  }, 30_000);

  it('--check reports every missing output file', async () => {
    const out = await folder('missing');
    const result = await runInProcess(fixtureSchemasDir, out, true);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/catalog\.ts, .*types\.ts, .*validators\.ts out of date/);
    await expect(readdir(out)).rejects.toThrow();
  }, 30_000);

  it('writes the four files, equal to the golden ones, and rewrites nothing when up to date', async () => {
    const out = await folder('fresh');
    const first = await runInProcess(fixtureSchemasDir, out, false);
    expect(first.code).toBe(0);
    expect(first.stdout.match(/^wrote /gm)).toHaveLength(4);
    for (const name of ['catalog.ts', 'ids.ts', 'types.ts', 'validators.ts']) {
      expect(await readFile(join(out, name), 'utf8')).toBe(
        await readFile(join(goldenDir, name), 'utf8'),
      );
    }
    const second = await runInProcess(fixtureSchemasDir, out, false);
    expect(second.code).toBe(0);
    expect(second.stdout).not.toContain('wrote');
    expect(second.stdout).toContain('codegen: 4 files checked.');
  }, 30_000);

  it('exits 1 on a schema problem, prints schemas/<file>#<pointer>: <message>, and writes nothing', async () => {
    const schemas = await folder('bad-schemas', fixtureSchemasDir);
    const file = join(schemas, 'events/order.placed.json');
    const schema = JSON.parse(await readFile(file, 'utf8'));
    schema['x-domain'] = 'billing';
    delete schema.title;
    await writeFile(file, JSON.stringify(schema, null, 2));
    const out = join(tmp, 'never-written');

    const result = await codegen('--schemas', schemas, '--out', out);
    expect(result.code).toBe(1);
    const lines = result.stderr.split('\n');
    expect(lines).toContain(
      'schemas/events/order.placed.json#/title: missing: a short human title, e.g. "Incident created"',
    );
    expect(lines).toContain(
      'schemas/events/order.placed.json#/x-domain: unknown domain "billing"; known: order, fulfilment (schemas/domains.json)',
    );
    expect(result.stderr).toContain('codegen: 2 schema problem(s); nothing written.');
    expect(result.stdout).toBe('');
    await expect(readdir(out)).rejects.toThrow();
  }, 30_000);

  it('exits 1 and names the file when a schema is not valid JSON', async () => {
    const schemas = await folder('broken-json', fixtureSchemasDir);
    await writeFile(join(schemas, 'events/order.cancelled.json'), '{ "title": ');
    const result = await runInProcess(schemas, join(tmp, 'none'), false);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^codegen: schemas\/events\/order\.cancelled\.json: not valid JSON/,
    );
  }, 30_000);

  it('--watch regenerates when a schema changes', async () => {
    const schemas = await folder('watched', fixtureSchemasDir);
    const out = await folder('watched-out');
    const child: ChildProcess = spawn(tsx, [cli, '--schemas', schemas, '--out', out, '--watch'], {
      cwd: packageRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    /** Resolves once `text` is printed after position `from` of the output. */
    const waitFor = (text: string, from = 0) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`timed out waiting for "${text}" in:\n${stdout}`)),
          15_000,
        );
        const check = () => {
          if (!stdout.slice(from).includes(text)) return;
          clearTimeout(timer);
          child.stdout?.off('data', check);
          resolve();
        };
        child.stdout?.on('data', check);
        check();
      });
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    try {
      await waitFor('watching ');
      const mark = stdout.length;
      const file = join(schemas, 'events/parcel.shipped.json');
      const schema = JSON.parse(await readFile(file, 'utf8'));
      schema.title = 'Parcel handed to the carrier';
      await writeFile(file, JSON.stringify(schema, null, 2));
      await waitFor('files checked', mark);
      const after = stdout.slice(mark);
      expect(after).toContain('parcel.shipped.json changed');
      expect(after).toMatch(/^wrote .*catalog\.ts$/m);
      expect(after).not.toMatch(/^wrote .*validators\.ts$/m);
      expect(await readFile(join(out, 'catalog.ts'), 'utf8')).toContain(
        '"title": "Parcel handed to the carrier"',
      );
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  }, 30_000);
});
