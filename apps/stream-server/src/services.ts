/**
 * Service wiring: everything the routes share, built once per app by `createServices`. The one
 * cycle (the metrics' pending-bytes gauge reads the hub, the hub counts into the metrics) is
 * closed here by a gauge callback bound after the hub exists.
 */
import type { EventLog } from '@causeflow/bus';
import type { Webhooks } from '@causeflow/webhooks';
import { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createTokenVerifier, type TokenVerifier } from './auth.js';
import type { Config } from './config.js';
import { createStreamHub, type StreamHub } from './hub.js';
import { createMetrics, type ServerMetrics } from './metrics.js';
import { createMemoryTicketStore, type TicketStore } from './tickets.js';
import { createRedisTicketStore } from './ticketsRedis.js';
import { createWebhookService, type WebhookTestHooks } from './webhooks.js';

/** What route handlers share: built once by `createServices`. */
export interface Services {
  readonly config: Config;
  readonly log: EventLog;
  readonly logger: Logger;
  readonly metrics: ServerMetrics;
  readonly hub: StreamHub;
  readonly tickets: TicketStore;
  readonly verifier: TokenVerifier;
  /** The webhook sender (endpoints, dispatch, deliveries). */
  readonly webhooks: Webhooks;
  /** Settles once the webhook sender has started (its failure is logged). */
  readonly webhooksStarted: Promise<void>;
  readonly now: () => number;
  /** True once `drain()` was called: new streams are refused. */
  readonly isDraining: () => boolean;
}

/** What `createServices` needs; `isDraining` belongs to the app's lifecycle. */
export interface ServiceDeps {
  readonly config: Config;
  readonly log: EventLog;
  readonly logger: Logger;
  /** Metrics registry; a fresh one (with default process metrics) when omitted. */
  readonly registry?: Registry | undefined;
  readonly now: () => number;
  readonly isDraining: () => boolean;
  /** A ticket store to use instead of the configured one (the caller closes it). */
  readonly tickets?: TicketStore | undefined;
  /** Webhook test hooks (fake DNS resolver, Redis key prefix). */
  readonly webhooks?: WebhookTestHooks | undefined;
}

/** The configured ticket store: Redis with `BUS=redis` (shared by every instance), else memory. */
function configuredTicketStore(config: Config, logger: Logger, now: () => number): TicketStore {
  const limits = {
    ttlMs: config.ticketTtlMs,
    maxPerTenant: config.ticketMaxPerTenant,
    maxOutstanding: config.ticketMaxOutstanding,
    now,
  };
  if (config.bus !== 'redis') return createMemoryTicketStore(limits);
  const redisOptions = { maxRetriesPerRequest: 1, lazyConnect: true };
  const redis =
    config.redisClusterNodes === undefined
      ? new Redis(config.redisUrl, redisOptions)
      : new Cluster([...config.redisClusterNodes], { redisOptions });
  redis.on('error', (error: unknown) => logger.warn({ err: error }, 'ticket store: Redis error'));
  return createRedisTicketStore({ ...limits, redis, ownsClient: true });
}

/**
 * Builds the metrics, the stream hub, the ticket store, the token verifier and the webhook sender.
 * @example
 * const services = createServices({ config, log, logger, now: Date.now, isDraining: () => false });
 */
export function createServices(deps: ServiceDeps): Services {
  const { config, log, logger, now } = deps;
  // The gauge is read at scrape time only, after the hub below exists.
  let hub: StreamHub | undefined;
  const metrics = createMetrics({
    ...(deps.registry === undefined ? {} : { registry: deps.registry }),
    pendingBytes: () => hub?.stats().pendingBytes ?? 0,
  });
  hub = createStreamHub({ log, metrics, logger, heartbeatMs: config.heartbeatMs, now });
  const { webhooks, started } = createWebhookService({
    config,
    log,
    logger,
    registry: metrics.registry,
    now,
    hooks: deps.webhooks,
  });
  return {
    config,
    log,
    logger,
    metrics,
    hub,
    tickets: deps.tickets ?? configuredTicketStore(config, logger, now),
    verifier: createTokenVerifier({
      auth: config.auth,
      issuer: config.issuer,
      audience: config.audience,
    }),
    webhooks,
    webhooksStarted: started,
    now,
    isDraining: deps.isDraining,
  };
}
