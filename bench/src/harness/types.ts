/**
 * What a benchmark returns: metrics measured side by side with their baseline, the integrity
 * check's verdict, and the parameters it ran with.
 */

/** How a measured value is judged against its baseline. */
export type Target =
  /** value / baseline must be at most `max` (lower is better) or at least `min` (higher is better). */
  | { readonly kind: 'ratio'; readonly max?: number; readonly min?: number }
  /** value − baseline must be at most `max` (e.g. added latency in ms). */
  | { readonly kind: 'delta'; readonly max: number };

/** One number of a benchmark, with the baseline measured in the same run when there is one. */
export interface Metric {
  /** Stable key used by `--compare`, e.g. `n=1000 steady cpu/delivery`. */
  readonly name: string;
  readonly unit: string;
  /** The CauseFlow value. */
  readonly value: number;
  /** The baseline value, measured in the same run on the same machine. */
  readonly baseline?: number;
  /** What the baseline is (e.g. `raw node:http`). */
  readonly baselineLabel?: string;
  /** `value / baseline` when there is a baseline. */
  readonly ratio?: number;
  readonly better: 'lower' | 'higher';
  readonly target?: Target;
  /** Whether the target is met; absent when there is no target. */
  readonly met?: boolean;
}

/** The integrity check of a benchmark: no event lost, duplicated or reordered. */
export interface IntegrityReport {
  readonly ok: boolean;
  /** What was checked, e.g. `1,200,000 deliveries on 1000 connections in order`. */
  readonly checked: string;
  readonly problems: readonly string[];
}

/** The result of one benchmark. */
export interface BenchResult {
  readonly name: string;
  readonly title: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly metrics: readonly Metric[];
  readonly integrity: IntegrityReport;
  readonly notes: readonly string[];
  readonly durationMs: number;
}

/** Options every benchmark receives (from the command line). */
export interface BenchOptions {
  /** Sizes: `full` for the numbers, `quick` for a look (seconds), `smoke` for tests (tiny). */
  readonly scale: Scale;
  /** Where server workers write `--cpu-prof` profiles; no profiling when absent. */
  readonly cpuProfileDir?: string;
  /** Connection counts for the fan-out (default 1000 and 10000; quick: 200). */
  readonly connections: readonly number[];
  readonly tenants: number;
  /** Client worker processes the connections are spread over. */
  readonly clientWorkers: number;
  /** Seconds of steady publishing per fan-out run. */
  readonly seconds: number;
  readonly redisUrl: string;
}

/** How big a run is. */
export type Scale = 'smoke' | 'quick' | 'full';

/** Picks the value for the run's scale. @example sized(options, { smoke: 1, quick: 2, full: 10 }) */
export function sized<T>(
  options: { readonly scale: Scale },
  values: Readonly<Record<Scale, T>>,
): T {
  return values[options.scale];
}

/** What a benchmark gets to run with: its options and a progress reporter. */
export interface BenchContext {
  readonly options: BenchOptions;
  /** Reports progress (a line on stderr in the CLI, nothing in tests). */
  progress(message: string): void;
}

/** A runnable benchmark. */
export interface Benchmark {
  readonly name: string;
  readonly title: string;
  run(context: BenchContext): Promise<BenchResult>;
}

/** Raised when a run lost, duplicated or reordered an event, or could not complete. */
export class BenchError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BenchError';
  }
}
