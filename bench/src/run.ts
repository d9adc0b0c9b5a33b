/**
 * Runs benchmarks one after another, turns a failure into a failed result (never a silent one),
 * and writes the run record (`<timestamp>.json` and `latest.json`).
 */
import { machineInfo, type RunRecord, writeRunRecord } from './harness/results.js';
import type { Benchmark, BenchOptions, BenchResult } from './harness/types.js';
import { BENCHMARKS } from './registry.js';

/** Options of `runBenchmarks`. */
export interface RunOptions {
  /** Benchmark names; all when empty. */
  readonly names: readonly string[];
  readonly options: BenchOptions;
  /** Folder for the JSON results. */
  readonly resultsDir: string;
  /** Progress lines (`[benchmark] message`); nothing when omitted. */
  readonly progress?: (line: string) => void;
}

/** What a run produced. */
export interface RunOutcome {
  readonly record: RunRecord;
  /** The files written. */
  readonly paths: readonly string[];
  /** Benchmarks that failed (integrity or error), with the reason. */
  readonly failures: readonly { name: string; message: string }[];
}

/** The benchmarks named (all when `names` is empty); throws on an unknown name. */
export function selectBenchmarks(names: readonly string[]): Benchmark[] {
  if (names.length === 0) return [...BENCHMARKS];
  return names.map((name) => {
    const found = BENCHMARKS.find((b) => b.name === name);
    if (!found) {
      throw new Error(
        `unknown benchmark "${name}"; known: ${BENCHMARKS.map((b) => b.name).join(', ')}`,
      );
    }
    return found;
  });
}

/**
 * Runs the selected benchmarks and writes the results.
 * @example
 * const { failures } = await runBenchmarks({ names: ['validators'], options, resultsDir: 'results' });
 */
export async function runBenchmarks(run: RunOptions): Promise<RunOutcome> {
  const selected = selectBenchmarks(run.names);
  const startedAt = new Date().toISOString();
  const results: BenchResult[] = [];
  const failures: { name: string; message: string }[] = [];
  for (const benchmark of selected) {
    const t0 = performance.now();
    const progress = (message: string) => run.progress?.(`[${benchmark.name}] ${message}`);
    progress(benchmark.title);
    try {
      const result = await benchmark.run({ options: run.options, progress });
      results.push(result);
      if (!result.integrity.ok) {
        failures.push({ name: benchmark.name, message: result.integrity.problems.join('; ') });
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      failures.push({ name: benchmark.name, message });
      results.push({
        name: benchmark.name,
        title: benchmark.title,
        params: {},
        metrics: [],
        integrity: { ok: false, checked: 'the benchmark did not complete', problems: [message] },
        notes: [],
        durationMs: performance.now() - t0,
      });
    }
    progress(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  const record: RunRecord = {
    version: 1,
    startedAt,
    machine: machineInfo(),
    options: run.options,
    results,
  };
  const paths = await writeRunRecord(run.resultsDir, record);
  return { record, paths, failures };
}
