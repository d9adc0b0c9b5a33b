/**
 * The queue of delivery attempts: one job per attempt, id `<deliveryId>-<attempt>` (adding an id
 * that is still queued is a no-op), run after a delay by a bounded number of concurrent handlers.
 * Memory (here) for dev mode; BullMQ (`createBullQueue`) on Redis.
 */
import type { DeliveryJob } from './types.js';

/** A job to add. */
export interface QueuedJob {
  readonly job: DeliveryJob;
  readonly jobId: string;
  readonly delayMs: number;
}

/** Runs one attempt; a throw means "run it again later" (the attempt may be repeated). */
export type JobHandler = (job: DeliveryJob) => Promise<void>;

/** Where attempts wait until they are due. */
export interface DeliveryQueue {
  /** Adds jobs; an id already queued (waiting, delayed or running) is skipped. */
  add(jobs: readonly QueuedJob[]): Promise<void>;
  /** Starts running due jobs with `handler` (at most `concurrency` at once). */
  start(handler: JobHandler): void;
  /** True while a job with this id is waiting, delayed or running. */
  has(jobId: string): Promise<boolean>;
  /** Jobs waiting, delayed or running. */
  depth(): Promise<number>;
  /** Stops taking jobs and waits for the running ones; queued jobs stay queued (Redis) or are dropped (memory). */
  close(): Promise<void>;
}

/**
 * An in-process queue: a timer per delayed job, a FIFO of due jobs, `concurrency` runners.
 * Nothing survives the process (dev mode).
 * @example
 * const queue = createMemoryQueue({ concurrency: 10 });
 */
export function createMemoryQueue(options: {
  concurrency: number;
  retryDelayMs?: number;
}): DeliveryQueue {
  const known = new Map<string, { job: DeliveryJob; timer?: NodeJS.Timeout }>();
  const due: string[] = [];
  let handler: JobHandler | undefined;
  let running = 0;
  let closed = false;
  const idle = new Set<() => void>();
  function pump(): void {
    while (!closed && handler !== undefined && running < options.concurrency && due.length > 0) {
      const id = due.shift()!;
      const entry = known.get(id);
      if (entry === undefined) continue;
      running += 1;
      handler(entry.job)
        .then(
          () => known.delete(id),
          () => schedule(id, entry.job, options.retryDelayMs ?? 1000),
        )
        .finally(() => {
          running -= 1;
          if (running === 0) for (const resolve of idle) resolve();
          pump();
        });
    }
  }
  function schedule(id: string, job: DeliveryJob, delayMs: number): void {
    if (closed) return;
    if (delayMs <= 0) {
      known.set(id, { job });
      due.push(id);
      return;
    }
    const timer = setTimeout(() => {
      due.push(id);
      pump();
    }, delayMs);
    timer.unref();
    known.set(id, { job, timer });
  }
  return {
    async add(jobs) {
      for (const { job, jobId, delayMs } of jobs) {
        if (known.has(jobId)) continue;
        schedule(jobId, job, delayMs);
      }
      pump();
    },
    start(h) {
      handler = h;
      pump();
    },
    has: async (jobId) => known.has(jobId),
    depth: async () => known.size,
    async close() {
      closed = true;
      for (const entry of known.values()) clearTimeout(entry.timer);
      if (running > 0) await new Promise<void>((resolve) => idle.add(resolve));
      known.clear();
      due.length = 0;
    },
  };
}
