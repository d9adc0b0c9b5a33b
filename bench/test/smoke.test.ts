import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../src/harness/results.js';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const NAMES = ['fanout', 'bus', 'connect', 'rest', 'validators', 'codegen', 'client', 'webhooks'];

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

// Every benchmark at its smallest size, through the real command (built dist, worker processes).
// No timing is asserted: performance claims come from benchmark runs, never from tests.
describe('pnpm bench --smoke', () => {
  let dir: string;
  let outcome: { code: number | null; stdout: string; stderr: string };
  let record: RunRecord;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'causeflow-bench-'));
    outcome = await run(['--smoke', '--out', dir]);
    record = JSON.parse(await readFile(join(dir, 'latest.json'), 'utf8')) as RunRecord;
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('exits 0, prints the table and names the result files', () => {
    expect(outcome.stderr).not.toContain('FAILED');
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toMatch(/benchmark\s+metric\s+causeflow\s+baseline\s+ratio/);
    expect(outcome.stdout).toContain(join(dir, 'latest.json'));
  });

  it('writes a machine-readable record with the machine and the options', () => {
    expect(record.version).toBe(1);
    expect(record.machine.cpus).toBeGreaterThan(0);
    expect(record.machine.node).toBe(process.version);
    expect(record.options.scale).toBe('smoke');
    expect(record.results.map((r) => r.name)).toEqual(NAMES);
  });

  it.each(NAMES)('%s completes with its integrity check passing and numbers measured', (name) => {
    const result = record.results.find((r) => r.name === name)!;
    expect(result.integrity.problems).toEqual([]);
    expect(result.integrity.ok).toBe(true);
    expect(result.metrics.length).toBeGreaterThan(0);
    for (const m of result.metrics) expect(Number.isFinite(m.value)).toBe(true);
  });

  it('puts a baseline measured in the same run beside the server benchmarks', () => {
    for (const name of ['fanout', 'bus', 'connect']) {
      const result = record.results.find((r) => r.name === name)!;
      for (const m of result.metrics) expect(Number.isFinite(m.baseline)).toBe(true);
    }
  });
});
