/**
 * `pnpm new-event` as users run it (tsx src/newEventCli.ts), against a temp copy of schemas/ and
 * a temp output folder: the real schemas/ and generated/ are never touched.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lintSchemaSet } from './lint.js';
import { loadSchemaSet } from './load.js';

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const tsx = join(packageRoot, 'node_modules/.bin/tsx');
const cli = join(packageRoot, 'src/newEventCli.ts');
let tmp: string;
let schemas: string;
let out: string;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function newEvent(...args: string[]): Promise<Result> {
  return new Promise((done) => {
    execFile(
      tsx,
      [cli, ...args, '--schemas', schemas, '--out', out],
      { cwd: packageRoot, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

const snapshot = async () => ({
  events: (await readdir(join(schemas, 'events'))).sort(),
  out: (await readdir(out)).sort(),
  catalog: await readFile(join(out, 'catalog.ts'), 'utf8').catch(() => ''),
});

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'new-event-'));
  schemas = join(tmp, 'schemas');
  out = join(tmp, 'generated');
  await cp(resolve(packageRoot, '../../schemas'), schemas, { recursive: true });
  await mkdir(out);
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('new-event CLI', () => {
  it('creates a schema that lints clean, runs codegen and prints the files it touched', async () => {
    const result = await newEvent('incident.merged', '--description', 'Two incidents merged.');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const file = join(schemas, 'events/incident.merged.json');
    const schema = JSON.parse(await readFile(file, 'utf8'));
    expect(schema.description).toBe('Two incidents merged.');
    expect(lintSchemaSet(await loadSchemaSet(schemas))).toEqual([]);
    expect(await readFile(join(out, 'catalog.ts'), 'utf8')).toContain('"incident.merged"');
    expect(await readFile(join(out, 'types.ts'), 'utf8')).toContain('IncidentMergedEvent');
    expect(result.stdout).toMatch(/^created .*schemas\/events\/incident\.merged\.json$/m);
    expect(result.stdout).toMatch(
      /^Touched: .*incident\.merged\.json, .*catalog\.ts, .*types\.ts, .*validators\.ts$/m,
    );
    expect(result.stdout).toContain('/x-when-emitted (placeholder text)');
  }, 60_000);

  it.each([
    ['incident.created', 'event "incident.created" already exists'],
    ['Incident.Merged', '"Incident.Merged" is not a valid event name'],
    ['trigger.paused', 'cannot infer the domain of "trigger.paused"'],
  ])(
    'refuses %s with a clear message and writes nothing',
    async (name, message) => {
      const before = await snapshot();
      const result = await newEvent(name);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`new-event: ${message}`);
      expect(result.stderr).toContain('Nothing written.');
      expect(result.stdout).toBe('');
      expect(await snapshot()).toEqual(before);
    },
    30_000,
  );

  it('refuses an unknown --domain and writes nothing', async () => {
    const before = await snapshot();
    const result = await newEvent('incident.split', '--domain', 'billing');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('unknown domain "billing"');
    expect(await snapshot()).toEqual(before);
  }, 30_000);
});
