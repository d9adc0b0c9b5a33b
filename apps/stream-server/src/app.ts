/**
 * `createApp(deps)`: the Koa app with every route, built without listening. The pieces live in
 * their own modules: service wiring (`services.ts`), the route table (`routes/index.ts`), the
 * stream-aware request handler (`streamHandler.ts`), listening and shutdown (`server.ts`).
 */
import type { EventLog } from '@causeflow/bus';
import type { Webhooks } from '@causeflow/webhooks';
import Koa from 'koa';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { HubStats } from './hub.js';
import type { ServerMetrics } from './metrics.js';
import { cors } from './middleware/cors.js';
import { errorHandler } from './middleware/errors.js';
import { requestLog } from './middleware/requestLog.js';
import { router } from './middleware/router.js';
import { docs } from './routes/docs.js';
import { buildRoutes, prefixRoutes } from './routes/index.js';
import { listen, type RunningServer } from './server.js';
import { createServices, type Services } from './services.js';
import { requestHandler } from './streamHandler.js';
import type { TicketStore } from './tickets.js';
import type { WebhookTestHooks } from './webhooks.js';

export type { RunningServer } from './server.js';

/** What `createApp` needs. The log and logger belong to the caller (the app never closes the log). */
export interface AppDeps {
  readonly config: Services['config'];
  readonly log: EventLog;
  readonly logger: Logger;
  /** Metrics registry; a fresh one (with default process metrics) when omitted. */
  readonly registry?: Registry;
  /** Clock in ms since the epoch (token expiry, ping timestamps, tickets). */
  readonly now?: () => number;
  /** Webhook test hooks: a fake DNS resolver, a Redis key prefix. */
  readonly webhooks?: WebhookTestHooks;
  /**
   * The ticket store; by default Redis with `BUS=redis`, memory otherwise. A store passed here
   * belongs to the caller (the app never closes it).
   */
  readonly tickets?: TicketStore;
}

/** The built app plus its lifecycle handles. */
export interface StreamServerApp {
  readonly app: Koa;
  readonly metrics: ServerMetrics;
  /** The webhook sender (endpoints, dispatch, deliveries). */
  readonly webhooks: Webhooks;
  /** Open streams and their queued bytes. */
  stats(): HubStats;
  isDraining(): boolean;
  /** Creates a server and listens (defaults: `config.port`, `config.host`). */
  listen(options?: { port?: number; host?: string }): Promise<RunningServer>;
  /** Refuses new streams (503), turns `/readyz` to 503 and closes open streams so clients reconnect elsewhere. */
  drain(): Promise<void>;
  /** Drains, then stops the log subscription, the heartbeat and the ticket sweeper. Idempotent. */
  close(): Promise<void>;
}

function createKoa(services: Services): Koa {
  const { config, logger, now } = services;
  const app = new Koa();
  app.on('error', (error: unknown) => logger.error({ err: error }, 'unhandled koa error'));
  app.use(errorHandler({ logger }));
  app.use(requestLog({ logger, now }));
  app.use(cors({ origins: config.corsOrigins }));
  app.use(docs({ dir: config.docsDir }));
  for (const middleware of prefixRoutes(services)) app.use(middleware);
  app.use(router(buildRoutes(services)));
  return app;
}

/**
 * Builds the stream server: `GET /v1/notifications/stream`, `POST /v1/events`,
 * `POST /v1/notifications/tickets`, `/healthz`, `/readyz`, `/metrics`, `/docs/`.
 * @example
 * const server = createApp({ config: loadConfig(), log: createMemoryEventLog({ retention: 10_000 }), logger: pino() });
 * const running = await server.listen();
 * process.on('SIGTERM', () => running.close().then(() => server.close()));
 */
export function createApp(deps: AppDeps): StreamServerApp {
  const { config, logger } = deps;
  let draining = false;
  let closed = false;
  const services = createServices({
    config,
    log: deps.log,
    logger,
    registry: deps.registry,
    now: deps.now ?? Date.now,
    isDraining: () => draining,
    tickets: deps.tickets,
    webhooks: deps.webhooks,
  });
  const { hub } = services;
  const app = createKoa(services);

  async function drain(): Promise<void> {
    if (!draining) {
      logger.info({ connections: hub.stats().connections }, 'draining: closing streams');
    }
    draining = true;
    hub.closeAll('shutdown');
  }

  return {
    app,
    metrics: services.metrics,
    webhooks: services.webhooks,
    stats: () => hub.stats(),
    isDraining: () => draining,
    listen: (options = {}) =>
      listen({
        handler: requestHandler(app),
        port: options.port ?? config.port,
        host: options.host ?? config.host,
        logger,
        drain,
        drainTimeoutMs: config.drainTimeoutMs,
        backlog: config.listenBacklog,
        timeouts: config,
      }),
    drain,
    async close() {
      if (closed) return;
      closed = true;
      await drain();
      hub.stop();
      if (deps.tickets === undefined) await services.tickets.close();
      // In-flight webhook attempts finish; queued ones stay queued on Redis for other instances.
      await services.webhooksStarted;
      await services.webhooks.close();
    },
  };
}
