/**
 * The Redis queue of delivery attempts, on BullMQ: delayed jobs, any number of workers on any
 * instance, a lock per running job (so one attempt is sent by one instance), stalled-job recovery
 * when an instance dies mid-attempt, and `close()` waiting for running jobs on SIGTERM.
 * Chosen over a home-made sorted-set scheduler: those are exactly the parts that are hard to get
 * right, and BullMQ's measured cost per job is small next to an HTTP attempt (`pnpm bench webhooks`).
 */
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { DeliveryQueue } from './queue.js';
import type { DeliveryJob } from './types.js';

/** Options of `createBullQueue`. */
export interface BullQueueOptions {
  readonly url: string;
  /** BullMQ key prefix; default `causeflow:wh:q`. */
  readonly prefix?: string;
  readonly concurrency: number;
  /** A running job's lock; an instance silent for longer is presumed dead and its job re-run. */
  readonly lockMs: number;
  /** Reports a malformed job (skipped). */
  readonly onMalformed?: (jobId: string | undefined) => void;
  /** Reports worker errors (Redis trouble); never throws. */
  readonly onError?: (error: Error) => void;
}

const QUEUE = 'deliveries';

/** Checks a job read back from Redis before it is typed; `undefined` when malformed. */
export function parseJob(data: unknown): DeliveryJob | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const d = data as Record<string, unknown>;
  const strings = ['tenantId', 'endpointId', 'deliveryId', 'eventId', 'event', 'cursor', 'body'];
  if (!strings.every((k) => typeof d[k] === 'string')) return undefined;
  if (typeof d.attempt !== 'number' || !Number.isInteger(d.attempt) || d.attempt < 0)
    return undefined;
  return d as unknown as DeliveryJob;
}

/**
 * Creates the BullMQ-backed queue (a producer connection now, a worker on `start`).
 * @example
 * const queue = createBullQueue({ url: 'redis://127.0.0.1:6379', concurrency: 50, lockMs: 40_000 });
 */
export function createBullQueue(options: BullQueueOptions): DeliveryQueue {
  const prefix = options.prefix ?? 'causeflow:wh:q';
  const connection = new Redis(options.url, { maxRetriesPerRequest: null });
  connection.on('error', () => {});
  const queue = new Queue<DeliveryJob>(QUEUE, {
    connection,
    prefix,
    defaultJobOptions: {
      removeOnComplete: true,
      removeOnFail: true,
      attempts: 20,
      backoff: { type: 'exponential', delay: 1000 },
    },
  });
  queue.on('error', (error) => options.onError?.(error));
  let worker: Worker<DeliveryJob> | undefined;
  let workerConnection: Redis | undefined;
  return {
    async add(jobs) {
      if (jobs.length === 0) return;
      await queue.addBulk(
        jobs.map(({ job, jobId, delayMs }) => ({
          name: 'attempt',
          data: job,
          opts: { jobId, ...(delayMs > 0 ? { delay: delayMs } : {}) },
        })),
      );
    },
    start(handler) {
      if (worker !== undefined) return;
      workerConnection = new Redis(options.url, { maxRetriesPerRequest: null });
      workerConnection.on('error', () => {});
      worker = new Worker<DeliveryJob>(
        QUEUE,
        async (job) => {
          const data = parseJob(job.data);
          if (data === undefined) options.onMalformed?.(job.id);
          else await handler(data);
        },
        {
          connection: workerConnection,
          prefix,
          concurrency: options.concurrency,
          lockDuration: options.lockMs,
          stalledInterval: Math.max(1000, Math.floor(options.lockMs / 2)),
          maxStalledCount: 100,
        },
      );
      worker.on('error', (error) => options.onError?.(error));
    },
    async has(jobId) {
      const state = await queue.getJobState(jobId);
      return state !== 'unknown' && state !== 'completed' && state !== 'failed';
    },
    async depth() {
      const counts = await queue.getJobCounts('waiting', 'delayed', 'active', 'prioritized');
      return Object.values(counts).reduce((a, b) => a + b, 0);
    },
    async close() {
      await worker?.close();
      await queue.close();
      workerConnection?.disconnect();
      connection.disconnect();
    },
  };
}
