/**
 * `pnpm schemas:compat` as CI runs it (tsx src/compatCli.ts), against a temp git repository
 * holding a copy of schemas/: first commit, then an unchanged commit, then a breaking edit.
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const tsx = join(packageRoot, 'node_modules/.bin/tsx');
const cli = join(packageRoot, 'src/compatCli.ts');
const run = promisify(execFile);
let repo: string;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function compat(...args: string[]): Promise<Result> {
  return new Promise((done) => {
    execFile(
      tsx,
      [cli, '--schemas', join(repo, 'schemas'), ...args],
      { cwd: packageRoot, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

const git = (...args: string[]) =>
  run(
    'git',
    [
      '-c',
      'user.name=Test',
      '-c',
      'user.email=test@example.test',
      '-c',
      'commit.gpgsign=false',
      ...args,
    ],
    { cwd: repo },
  );

beforeAll(async () => {
  repo = await mkdtemp(join(tmpdir(), 'schemas-compat-'));
  await cp(resolve(packageRoot, '../../schemas'), join(repo, 'schemas'), { recursive: true });
  await git('init', '--quiet');
  await git('add', '.');
  await git('commit', '--quiet', '-m', 'first');
});

afterAll(async () => {
  await rm(repo, { recursive: true, force: true });
});

describe('schemas:compat CLI', () => {
  it('on the first commit compares with the empty set and reports every event as added', async () => {
    const result = await compat('--base', 'HEAD~1');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('against the empty set (HEAD has no parent)');
    expect(result.stdout).toContain('COMPATIBLE incident.created (root) event added');
    expect(result.stdout).toContain('0 breaking (0 declared, 0 undeclared)');
  }, 30_000);

  it('fails on a breaking edit with a line naming the event, the field and the rule', async () => {
    await git('commit', '--quiet', '--allow-empty', '-m', 'second');
    const defsPath = join(repo, 'schemas/defs.json');
    const defs = JSON.parse(await readFile(defsPath, 'utf8'));
    defs.$defs.Severity.enum = ['critical', 'high', 'medium'];
    await writeFile(defsPath, JSON.stringify(defs, null, 2));

    const result = await compat();
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      'BREAKING incident.created /properties/data/properties/severity enum value "low" removed (via $defs/Severity)',
    );
    expect(result.stdout).toMatch(/\d+ breaking \(0 declared, \d+ undeclared\)/);
    expect(result.stdout).toContain('schemas:compat: FAILED');
  }, 30_000);

  it('passes when the working tree matches the base', async () => {
    await git('checkout', '--quiet', '--', 'schemas');
    const result = await compat('--base', 'HEAD');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('schemas:compat: OK');
  }, 30_000);

  it('exits 2 with a message on a ref that does not exist', async () => {
    const result = await compat('--base', 'no-such-branch');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown git ref "no-such-branch"');
  }, 30_000);
});
