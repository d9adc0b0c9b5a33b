/**
 * The HTTP server around the app: listening, request/headers/keep-alive timeouts, JSON answers
 * to requests Node refuses or cannot parse (`rawResponses.ts`), and shutdown. Shutdown uses Node's own connection bookkeeping
 * (`server.close`, `closeIdleConnections`, `closeAllConnections`) instead of tracking sockets.
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
  readonly timeouts: ServerTimeouts;
}

/** Node's request, headers and keep-alive timeouts (see `Config`). */
export interface ServerTimeouts {
  readonly requestTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
}

/** How often idle keep-alive sockets are closed while shutting down. */
const IDLE_SWEEP_MS = 50;

/**
 * How often Node checks connections with an unfinished request against the request and headers
 * timeouts (its default, 30 s, would let a 10 s headers timeout fire 40 s late). Only connections
 * with a request in progress are checked, never open streams.
 */
function checkingIntervalMs(timeouts: ServerTimeouts): number {
  return Math.max(10, Math.min(1000, Math.floor(timeouts.headersTimeoutMs / 4)));
}

function createHttpServer(options: ListenOptions): Server {
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
 * retry elsewhere, instead of getting a 503 here), drains, then closes each keep-alive socket as
 * soon as it is idle; whatever is still open after `drainTimeoutMs` is cut.
 */
async function shutdown(server: Server, options: ListenOptions): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    res.shouldKeepAlive = false;
  });
  const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
  const force = setTimeout(() => server.closeAllConnections(), options.drainTimeoutMs);
  sweep.unref();
  force.unref();
  try {
    await options.drain();
    server.closeIdleConnections();
    await closed;
  } finally {
    clearInterval(sweep);
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
  const server = createHttpServer(options);
  const { host } = options;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
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
      closing ??= shutdown(server, options);
      return closing;
    },
  };
}
