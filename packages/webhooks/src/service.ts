/**
 * `createWebhooks`: the webhook sender of one server instance — the endpoints API's operations
 * (tenant-scoped), the dispatcher fed by the event log, and the attempt worker.
 */
import type { EventLog } from '@causeflow/bus';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createBullQueue } from './bullQueue.js';
import type { WebhookConfig } from './config.js';
import { createAttemptHandler } from './deliver.js';
import type { Resolver } from './destination.js';
import { createDispatcher, type Dispatcher } from './dispatcher.js';
import { createEndpointsApi, type EndpointsApi } from './endpoints.js';
import { createWebhookMetrics } from './metrics.js';
import { createMemoryQueue, type DeliveryQueue } from './queue.js';
import { createRedisWebhookStore } from './redisStore.js';
import { createSender } from './send.js';
import { createMemoryWebhookStore, type WebhookStore } from './store.js';

/** Where webhook state lives. */
export type WebhookStorage =
  | { readonly kind: 'memory' }
  | { readonly kind: 'redis'; readonly url: string; readonly keyPrefix?: string };

/** What `createWebhooks` needs. */
export interface WebhooksOptions {
  readonly log: EventLog;
  readonly config: WebhookConfig;
  readonly storage: WebhookStorage;
  readonly logger: Logger;
  /** The server's metrics registry. */
  readonly registry: Registry;
  /** Replaces DNS for destinations (tests). */
  readonly resolver?: Resolver;
  readonly now?: () => number;
  readonly random?: () => number;
}

/** The webhook sender: API operations plus lifecycle. */
export interface Webhooks extends EndpointsApi {
  /** Subscribes to the log, resumes every tenant's dispatch and starts the worker. */
  start(): Promise<void>;
  /** Stops dispatching and waits for running attempts (queued ones stay queued on Redis). */
  close(): Promise<void>;
  /** Internals for tests and benchmarks. */
  readonly store: WebhookStore;
  readonly queue: DeliveryQueue;
  readonly dispatcher: Dispatcher;
}

/**
 * Builds the webhook sender of one instance. Call `start()` once the server listens.
 * @example
 * const webhooks = createWebhooks({ log, config: loadWebhookConfig(process.env, { devMode }), storage: { kind: 'memory' }, logger, registry });
 * await webhooks.start();
 */
export function createWebhooks(options: WebhooksOptions): Webhooks {
  const { log, config, logger } = options;
  const now = options.now ?? Date.now;
  const store =
    options.storage.kind === 'redis'
      ? createRedisWebhookStore({
          url: options.storage.url,
          ...(options.storage.keyPrefix === undefined
            ? {}
            : { keyPrefix: options.storage.keyPrefix }),
        })
      : createMemoryWebhookStore();
  const queue =
    options.storage.kind === 'redis'
      ? createBullQueue({
          url: options.storage.url,
          prefix: `${options.storage.keyPrefix ?? 'causeflow:wh:'}q`,
          concurrency: config.concurrency,
          lockMs: config.timeoutMs + 5000,
          onError: (error) => logger.warn({ err: error }, 'webhook queue error'),
          onMalformed: (jobId) => logger.error({ jobId }, 'malformed webhook job skipped'),
        })
      : createMemoryQueue({ concurrency: config.concurrency });
  const sender = createSender({
    timeoutMs: config.timeoutMs,
    allowHttp: config.allowHttp,
    allowPrivate: config.allowPrivate,
    ...(options.resolver === undefined ? {} : { resolver: options.resolver }),
  });
  const metrics = createWebhookMetrics({ registry: options.registry, stats: () => store.stats() });
  const dispatcher = createDispatcher({ log, store, queue, config, logger, now });
  let unsubscribe: (() => void) | undefined;
  let sweep: NodeJS.Timeout | undefined;

  const api = createEndpointsApi({
    log,
    store,
    queue,
    config,
    logger,
    now,
    onChange: (tenantId) => dispatcher.forget(tenantId),
  });
  return {
    ...api,
    store,
    queue,
    dispatcher,
    async start() {
      queue.start(
        createAttemptHandler({
          store,
          queue,
          sender,
          config,
          metrics,
          logger,
          now,
          random: options.random ?? Math.random,
        }),
      );
      unsubscribe = log.subscribe((stored) => dispatcher.trigger(stored.event.tenantId));
      await dispatcher.sweep();
      sweep = setInterval(() => void dispatcher.sweep(), config.sweepMs);
      sweep.unref();
    },
    async close() {
      clearInterval(sweep);
      unsubscribe?.();
      await dispatcher.stop();
      await queue.close();
      sender.close();
      await store.close();
    },
  };
}
