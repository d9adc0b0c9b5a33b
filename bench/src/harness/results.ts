/** The machine-readable record of a run: where it ran, with which options, and every result. */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileLimit } from './limits.js';
import type { BenchOptions, BenchResult } from './types.js';

/** What the machine was: the numbers mean nothing without it. */
export interface MachineInfo {
  readonly cpuModel: string;
  readonly cpus: number;
  readonly node: string;
  readonly platform: string;
  readonly totalMemoryMb: number;
  readonly loadAverage: readonly number[];
  readonly openFilesLimit: number | null;
}

/** One run as written to `results/<timestamp>.json` and `results/latest.json`. */
export interface RunRecord {
  readonly version: 1;
  readonly startedAt: string;
  readonly machine: MachineInfo;
  readonly options: BenchOptions;
  readonly results: readonly BenchResult[];
}

/** Describes this machine. */
export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpus: os.availableParallelism(),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    totalMemoryMb: Math.round(os.totalmem() / 2 ** 20),
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
    openFilesLimit: fileLimit()?.soft ?? null,
  };
}

/** Writes the record as `<dir>/<timestamp>.json` and `<dir>/latest.json`; returns both paths. */
export async function writeRunRecord(dir: string, record: RunRecord): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const stamp = record.startedAt.replace(/[:.]/g, '-');
  const text = `${JSON.stringify(record, null, 2)}\n`;
  const paths = [join(dir, `${stamp}.json`), join(dir, 'latest.json')];
  for (const path of paths) await writeFile(path, text);
  return paths;
}

/** Reads a record written by `writeRunRecord`. */
export async function readRunRecord(path: string): Promise<RunRecord> {
  const record = JSON.parse(await readFile(path, 'utf8')) as RunRecord;
  if (record.version !== 1 || !Array.isArray(record.results)) {
    throw new Error(`${path} is not a benchmark result file`);
  }
  return record;
}
