/**
 * `createApp(deps)`: the Koa app with every route, built without listening.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { EventLog } from '@causeflow/bus';
import Koa, { type Context } from 'koa';
import compose from 'koa-compose';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createTokenVerifier } from './auth.js';
import type { Config } from './config.js';
import { createStreamHub, type HubStats } from './hub.js';
import { createMetrics, type ServerMetrics } from './metrics.js';
import { cors } from './middleware/cors.js';
import { errorHandler } from './middleware/errors.js';
import { requestLog } from './middleware/requestLog.js';
import { router } from './middleware/router.js';
import { docs } from './routes/docs.js';
import { ingestRoute } from './routes/ingest.js';
import { healthz, metricsRoute, readyz } from './routes/ops.js';
import { streamRoute } from './routes/stream.js';
import { ticketsRoute } from './routes/tickets.js';
import type { Services } from './services.js';
import { createTicketStore } from './tickets.js';

const STREAM_PATH = '/v1/notifications/stream';

function isStreamUrl(url: string | undefined): boolean {
  return url === STREAM_PATH || url?.startsWith(`${STREAM_PATH}?`) === true;
}

/**
 * Sends what the middleware left in `ctx` when a stream request did not become a stream (an
 * error, as JSON from the error middleware), as Koa's own `respond` would for such a body.
 */
/**
 * The raw response to a request Node could not parse (no Koa context exists yet): 431 with
 * `headers_too_large` when the headers exceed Node's limit, else 400 `bad_request`; JSON either way.
 */
function clientErrorResponse(code: string | undefined): string {
  const [status, error] =
    code === 'HPE_HEADER_OVERFLOW'
      ? [
          '431 Request Header Fields Too Large',
          { code: 'headers_too_large', message: 'request headers exceed the server limit' },
        ]
      : ['400 Bad Request', { code: 'bad_request', message: 'malformed HTTP request' }];
  const body = JSON.stringify({ error });
  return (
    `HTTP/1.1 ${status}\r\nContent-Type: application/json; charset=utf-8\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  );
}

function respondWithoutStream(ctx: Context): void {
  if (ctx.respond === false) return;
  const { res } = ctx;
  if (res.headersSent || !ctx.writable) {
    if (!res.writableEnded) res.end();
    return;
  }
  const { body } = ctx;
  if (body === null || body === undefined) {
    res.end();
    return;
  }
  const bytes = Buffer.isBuffer(body)
    ? body
    : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  ctx.length = bytes.length;
  res.end(bytes);
}

/** What `createApp` needs. The log and logger belong to the caller (the app never closes the log). */
export interface AppDeps {
  readonly config: Config;
  readonly log: EventLog;
  readonly logger: Logger;
  /** Metrics registry; a fresh one (with default process metrics) when omitted. */
  readonly registry?: Registry;
  /** Clock in ms since the epoch (token expiry, ping timestamps, tickets). */
  readonly now?: () => number;
}

/** A listening server made by `StreamServerApp.listen`. */
export interface RunningServer {
  readonly server: Server;
  readonly port: number;
  /** `http://host:port` */
  readonly url: string;
  /**
   * Drains the app (streams closed, new ones refused), stops listening and waits for open
   * connections to finish, cutting them after `config.drainTimeoutMs`.
   */
  close(): Promise<void>;
}

/** The built app plus its lifecycle handles. */
export interface StreamServerApp {
  readonly app: Koa;
  readonly metrics: ServerMetrics;
  /** Open streams and their queued bytes. */
  stats(): HubStats;
  isDraining(): boolean;
  /** A node `http.Server` serving the app (not listening yet). */
  createServer(): Server;
  /** Creates a server and listens (defaults: `config.port`, `config.host`). */
  listen(options?: { port?: number; host?: string }): Promise<RunningServer>;
  /** Refuses new streams (503), turns `/readyz` to 503 and closes open streams so clients reconnect elsewhere. */
  drain(): Promise<void>;
  /** Drains, then stops the log subscription, the heartbeat and the ticket sweeper. Idempotent. */
  close(): Promise<void>;
}

/**
 * Builds the stream server: `GET /v1/notifications/stream`, `POST /v1/events`,
 * `POST /v1/notifications/tickets`, `/healthz`, `/readyz`, `/metrics`.
 * @example
 * const server = createApp({ config: loadConfig(), log: createMemoryEventLog({ retention: 10_000 }), logger: pino() });
 * const running = await server.listen();
 * process.on('SIGTERM', () => running.close().then(() => server.close()));
 */
export function createApp(deps: AppDeps): StreamServerApp {
  const { config, log, logger } = deps;
  const now = deps.now ?? Date.now;
  let draining = false;
  let closed = false;
  let hubStats: () => HubStats = () => ({
    connections: 0,
    replaying: 0,
    pendingBytes: 0,
    maxPendingBytes: 0,
  });
  const metrics = createMetrics({
    ...(deps.registry === undefined ? {} : { registry: deps.registry }),
    pendingBytes: () => hubStats().pendingBytes,
  });
  const hub = createStreamHub({ log, metrics, logger, heartbeatMs: config.heartbeatMs, now });
  hubStats = () => hub.stats();
  const services: Services = {
    config,
    log,
    logger,
    metrics,
    hub,
    tickets: createTicketStore({ ttlMs: config.ticketTtlMs, now }),
    verifier: createTokenVerifier({
      auth: config.auth,
      issuer: config.issuer,
      audience: config.audience,
    }),
    now,
    isDraining: () => draining,
  };

  const app = new Koa();
  app.on('error', (error: unknown) => logger.error({ err: error }, 'unhandled koa error'));
  app.use(errorHandler({ logger }));
  app.use(requestLog({ logger, now }));
  app.use(cors({ origins: config.corsOrigins }));
  app.use(
    docs({
      dir: config.docsDir,
      ...(config.devMode && config.auth.kind === 'secret'
        ? {
            devTokens: {
              secret: config.auth.secret,
              issuer: config.issuer,
              audience: config.audience,
            },
          }
        : {}),
    }),
  );
  app.use(
    router([
      { method: 'GET', path: STREAM_PATH, handler: streamRoute(services) },
      { method: 'POST', path: '/v1/events', handler: ingestRoute(services) },
      { method: 'POST', path: '/v1/notifications/tickets', handler: ticketsRoute(services) },
      { method: 'GET', path: '/healthz', handler: healthz() },
      { method: 'HEAD', path: '/healthz', handler: healthz() },
      { method: 'GET', path: '/readyz', handler: readyz(services) },
      { method: 'HEAD', path: '/readyz', handler: readyz(services) },
      { method: 'GET', path: '/metrics', handler: metricsRoute(services) },
    ]),
  );

  async function drain(): Promise<void> {
    if (!draining)
      logger.info({ connections: hub.stats().connections }, 'draining: closing streams');
    draining = true;
    hub.closeAll('shutdown');
  }

  /**
   * Koa's request handler, except for `GET /v1/notifications/stream`: the same middleware runs,
   * but without Koa's per-request `on-finished` listener, which would keep the request's context
   * (and its listeners, ~3 KiB) alive for as long as the stream stays open. Once the route has
   * taken the response over, an open stream holds only its response.
   */
  function requestHandler(): (req: IncomingMessage, res: ServerResponse) => void {
    const handle = app.callback();
    const run = compose(app.middleware);
    return function handleRequest(req, res) {
      if (req.method !== 'GET' || !isStreamUrl(req.url)) {
        void handle(req, res);
        return;
      }
      const ctx = app.createContext(req, res);
      res.statusCode = 404;
      run(ctx).then(
        () => respondWithoutStream(ctx),
        (error: unknown) => ctx.onerror(error as Error),
      );
    };
  }

  /** Sockets of every server made here → requests in flight on each, for a prompt shutdown. */
  const servers = new WeakMap<Server, { sockets: Map<Socket, number>; closing: boolean }>();

  function createHttpServer(): Server {
    const server = createServer(requestHandler());
    const state = { sockets: new Map<Socket, number>(), closing: false };
    servers.set(server, state);
    server.on('connection', (socket: Socket) => {
      state.sockets.set(socket, 0);
      socket.once('close', () => state.sockets.delete(socket));
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const socket = req.socket;
      state.sockets.set(socket, (state.sockets.get(socket) ?? 0) + 1);
      if (state.closing) res.shouldKeepAlive = false;
      let done = false;
      const finished = (): void => {
        if (done) return;
        done = true;
        const current = state.sockets.get(socket);
        // The socket's 'close' (which forgets it) can fire before the response's: never re-add it.
        if (current === undefined) return;
        const active = current - 1;
        state.sockets.set(socket, active);
        if (state.closing && active === 0) socket.destroySoon();
      };
      res.once('finish', finished);
      res.once('close', finished);
    });
    server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
      logger.debug({ err: error }, 'client error');
      if (socket.writable) socket.end(clientErrorResponse(error.code));
      else socket.destroy();
    });
    return server;
  }

  /** Stops accepting, then closes each keep-alive socket as soon as it has no request in flight. */
  function closeServer(server: Server): Promise<void> {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    const state = servers.get(server);
    if (state !== undefined) {
      state.closing = true;
      for (const [socket, active] of state.sockets) if (active === 0) socket.destroySoon();
    }
    return closed;
  }

  return {
    app,
    metrics,
    stats: () => hub.stats(),
    isDraining: () => draining,
    createServer: createHttpServer,
    async listen(options = {}) {
      const server = createHttpServer();
      const host = options.host ?? config.host;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port ?? config.port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const { port } = server.address() as AddressInfo;
      const urlHost = host.includes(':') ? `[${host}]` : host;
      return {
        server,
        port,
        url: `http://${urlHost}:${port}`,
        async close() {
          // Stop accepting first, so clients reconnecting after their stream closes are refused
          // at TCP level (and retry elsewhere) instead of getting a 503 from this instance.
          const closed = closeServer(server);
          const force = setTimeout(() => server.closeAllConnections(), config.drainTimeoutMs);
          force.unref();
          await drain();
          await closed;
          clearTimeout(force);
        },
      };
    },
    drain,
    async close() {
      if (closed) return;
      closed = true;
      await drain();
      hub.stop();
      services.tickets.close();
    },
  };
}
