/**
 * The HTTP server around the app: listening (with a configurable backlog), JSON answers to
 * requests Node cannot parse, and shutdown. Shutdown uses Node's own connection bookkeeping
 * (`server.close`, `closeAllConnections`) plus one counter of requests in flight, instead of
 * tracking sockets.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';

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
}

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

/** Requests in flight, counted so shutdown can cut the remaining (idle or unused) sockets at once. */
interface Lifecycle {
  inFlight: number;
  closing: boolean;
}

function createHttpServer(options: ListenOptions, lifecycle: Lifecycle): Server {
  const server = createServer(options.handler);
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    lifecycle.inFlight += 1;
    if (lifecycle.closing) res.shouldKeepAlive = false;
    res.once('close', () => {
      lifecycle.inFlight -= 1;
      if (lifecycle.closing && lifecycle.inFlight === 0) server.closeAllConnections();
    });
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    options.logger.debug({ err: error }, 'client error');
    if (socket.writable) socket.end(clientErrorResponse(error.code));
    else socket.destroy();
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
 * const running = await listen({ handler, port: 8080, host: '127.0.0.1', logger, drain, drainTimeoutMs: 10_000 });
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
