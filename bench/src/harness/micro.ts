/**
 * A calibrated micro-benchmark loop that counts this process's CPU time (`process.cpuUsage`), not
 * wall time: on a machine shared with other work, wall time measures the neighbours. Tasks are
 * interleaved round by round, so a slow moment hurts every task alike; the median round counts.
 */
import { median } from './stats.js';

/** One thing to time: `run` does `opsPerRun` operations (it may return a promise). */
export interface MicroTask {
  readonly name: string;
  readonly opsPerRun: number;
  run(): unknown;
}

/** Budget of a measurement. */
export interface MicroOptions {
  /** CPU milliseconds of warm-up per task (JIT, caches). */
  readonly warmupMs: number;
  /** CPU milliseconds per task per round. */
  readonly batchMs: number;
  readonly rounds: number;
}

/** Operations per CPU second of one task: the median round and every round. */
export interface MicroResult {
  readonly opsPerSecond: number;
  readonly rounds: readonly number[];
}

function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

async function runFor(task: MicroTask, runs: number): Promise<void> {
  for (let i = 0; i < runs; i++) {
    const result = task.run();
    if (result instanceof Promise) await result;
  }
}

/** Warms up, calibrates runs per batch, then times `rounds` interleaved batches of every task. */
export async function measureMicro(
  tasks: readonly MicroTask[],
  options: MicroOptions,
): Promise<Map<string, MicroResult>> {
  const runsPerBatch = new Map<string, number>();
  for (const task of tasks) {
    const start = cpuMicros();
    let runs = 0;
    while (cpuMicros() - start < options.warmupMs * 1000 || runs < 2) {
      await runFor(task, 1);
      runs++;
    }
    const perRunMicros = (cpuMicros() - start) / runs;
    runsPerBatch.set(task.name, Math.max(1, Math.round((options.batchMs * 1000) / perRunMicros)));
  }
  const samples = new Map<string, number[]>(tasks.map((t) => [t.name, []]));
  for (let round = 0; round < options.rounds; round++) {
    for (let k = 0; k < tasks.length; k++) {
      const task = tasks[(k + round) % tasks.length]!;
      const runs = runsPerBatch.get(task.name)!;
      const start = cpuMicros();
      await runFor(task, runs);
      const elapsed = Math.max(1, cpuMicros() - start);
      samples.get(task.name)!.push((runs * task.opsPerRun * 1e6) / elapsed);
    }
  }
  return new Map(
    tasks.map((t) => {
      const rounds = samples.get(t.name)!;
      return [t.name, { opsPerSecond: median(rounds), rounds }];
    }),
  );
}

/** CPU milliseconds (this process) that `fn` takes. */
export async function cpuTimeMs<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = cpuMicros();
  const value = await fn();
  return { ms: (cpuMicros() - start) / 1000, value };
}
