/**
 * The HTTP server around the app: listening (with a configurable backlog), request/headers/
 * keep-alive timeouts, JSON answers to requests Node refuses or cannot parse (`rawResponses.ts`),
 * and shutdown. Shutdown uses Node's own connection bookkeeping (`server.close`,
 * `closeAllConnections`) plus one counter of requests in flight, instead of tracking sockets.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { clientErrorResponse, refuseBadHost, refuseExpectation } from './rawResponses.js';

/** A listening server made by `listen`. */
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

/** What `listen` needs. */
export interface ListenOptions {
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
  readonly port: number;
  readonly host: string;
  readonly logger: Logger;
  /** Closes the app's streams (called once listening has stopped). */
  readonly drain: () => Promise<void>;
  /** How long open connections may take to finish after the drain before they are cut. */
  readonly drainTimeoutMs: number;
  /** Pending-connection queue length (Node's default is 511; a reconnect storm needs more). */
  readonly backlog: number;
  readonly timeouts: ServerTimeouts;
}

/** Node's request, headers and keep-alive timeouts (see `Config`). */
export interface ServerTimeouts {
  readonly requestTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
}

/**
 * How often Node checks connections with an unfinished request against the request and headers
 * timeouts (its default, 30 s, would let a 10 s headers timeout fire 40 s late). Only connections
 * with a request in progress are checked, never open streams.
 */
function checkingIntervalMs(timeouts: ServerTimeouts): number {
  return Math.max(10, Math.min(1000, Math.floor(timeouts.headersTimeoutMs / 4)));
}

/** Requests in flight, counted so shutdown can cut the remaining (idle or unused) sockets at once. */
interface Lifecycle {
  inFlight: number;
  closing: boolean;
}

function createHttpServer(options: ListenOptions, lifecycle: Lifecycle): Server {
  const { timeouts, handler } = options;
  const server = createServer(
    {
      requestTimeout: timeouts.requestTimeoutMs,
      headersTimeout: timeouts.headersTimeoutMs,
      keepAliveTimeout: timeouts.keepAliveTimeoutMs,
      connectionsCheckingInterval: checkingIntervalMs(timeouts),
      // Checked by `refuseBadHost`, which answers with JSON and also refuses repeated Hosts.
      requireHostHeader: false,
    },
    (req, res) => {
      if (!refuseBadHost(req, res)) handler(req, res);
    },
  );
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    lifecycle.inFlight += 1;
    if (lifecycle.closing) res.shouldKeepAlive = false;
    res.once('close', () => {
      lifecycle.inFlight -= 1;
      if (lifecycle.closing && lifecycle.inFlight === 0) server.closeAllConnections();
    });
  });
  server.on('checkExpectation', refuseExpectation);
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // Never the error object: Node attaches the raw request bytes to it (`rawPacket`), which
    // may carry an Authorization header or a ?ticket=.
    options.logger.debug({ code: error.code }, 'client error');
    const response = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (socket.writable && response?.headersSent !== true) {
      socket.end(clientErrorResponse(error.code));
    } else socket.destroy();
  });
  return server;
}

/**
 * Stops accepting (clients reconnecting after their stream closes are refused at TCP level and
 * retry elsewhere, instead of getting a 503 here) and drains. Node's `server.close` closes idle
 * keep-alive sockets; once no request is in flight, `closeAllConnections` closes the rest (sockets
 * that never sent a request are not "idle" to Node). Whatever is open after `drainTimeoutMs` is cut.
 */
async function shutdown(
  server: Server,
  options: ListenOptions,
  lifecycle: Lifecycle,
): Promise<void> {
  lifecycle.closing = true;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const force = setTimeout(() => server.closeAllConnections(), options.drainTimeoutMs);
  force.unref();
  try {
    await options.drain();
    if (lifecycle.inFlight === 0) server.closeAllConnections();
    await closed;
  } finally {
    clearTimeout(force);
  }
}

/**
 * Creates a server for `handler` and listens on `port`/`host`.
 * @example
 * const running = await listen({ handler, port: 8080, host: '127.0.0.1', logger, drain, drainTimeoutMs: 10_000, timeouts });
 * await running.close();
 */
export async function listen(options: ListenOptions): Promise<RunningServer> {
  const lifecycle: Lifecycle = { inFlight: 0, closing: false };
  const server = createHttpServer(options, lifecycle);
  const { host } = options;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port, host, backlog: options.backlog }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    server,
    port,
    url: `http://${urlHost}:${port}`,
    close() {
      closing ??= shutdown(server, options, lifecycle);
      return closing;
    },
  };
}
