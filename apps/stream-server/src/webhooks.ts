/**
 * Webhook wiring (issue #12): the `@causeflow/webhooks` sender configured from the server's config.
 * Storage is memory in dev mode / `BUS=memory` and Redis (BullMQ) with `BUS=redis`. Redis Cluster
 * is not supported by the webhook store yet (multi-key scripts): memory there, with a warning.
 */
import type { EventLog } from '@causeflow/bus';
import { createWebhooks, type Webhooks, type WebhooksOptions } from '@causeflow/webhooks';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Config } from './config.js';

/** Test hooks for the webhook sender: a fake DNS resolver, jitter, a Redis key prefix. */
export type WebhookTestHooks = Pick<WebhooksOptions, 'resolver' | 'random'> & {
  readonly keyPrefix?: string;
};

/** What `createWebhookService` needs. */
export interface WebhookServiceDeps {
  readonly config: Config;
  readonly log: EventLog;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly now: () => number;
  readonly hooks?: WebhookTestHooks | undefined;
}

/** The webhook sender plus the promise of its start (dispatch pump, workers). */
export interface WebhookService {
  readonly webhooks: Webhooks;
  /** Settles once started; a failed start is logged, never thrown. */
  readonly started: Promise<void>;
}

/**
 * Creates and starts the webhook sender for this instance.
 * @example
 * const { webhooks, started } = createWebhookService({ config, log, logger, registry, now: Date.now });
 */
export function createWebhookService(deps: WebhookServiceDeps): WebhookService {
  const { config, logger, hooks } = deps;
  const onRedis = config.bus === 'redis' && config.redisClusterNodes === undefined;
  if (config.bus === 'redis' && !onRedis) {
    logger.warn(
      'webhooks: Redis Cluster is not supported yet; webhook state is in memory (not durable)',
    );
  }
  const webhooks = createWebhooks({
    log: deps.log,
    config: config.webhooks,
    storage: onRedis
      ? {
          kind: 'redis',
          url: config.redisUrl,
          ...(hooks?.keyPrefix === undefined ? {} : { keyPrefix: hooks.keyPrefix }),
        }
      : { kind: 'memory' },
    logger: logger.child({ component: 'webhooks' }),
    registry: deps.registry,
    now: deps.now,
    ...(hooks?.resolver === undefined ? {} : { resolver: hooks.resolver }),
    ...(hooks?.random === undefined ? {} : { random: hooks.random }),
  });
  const started = webhooks
    .start()
    .catch((error: unknown) => logger.error({ err: error }, 'webhooks failed to start'));
  return { webhooks, started };
}
