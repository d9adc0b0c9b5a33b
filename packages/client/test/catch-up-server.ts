// A contract-faithful stand-in for `GET /v1/events` (architecture.md, "One cursor, three ways to
// receive") in front of the real stream server: REST pages are read from the same event log the
// stream replays from, so cursors are the stream's own; every other request is proxied to the
// real server. The real route is built in apps/stream-server; this lets the client be tested now.
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { parseEventFilter } from '@causeflow/events';
import { startTestServer } from '@causeflow/stream-server/testing';

type TestServer = Awaited<ReturnType<typeof startTestServer>>;

/** The stream server plus the REST route, on one base URL. */
export interface CatchUpServer {
  readonly url: string;
  readonly stream: TestServer;
  /** Every `GET /v1/events` query seen, as `URLSearchParams`. */
  readonly pages: URLSearchParams[];
  close(): Promise<void>;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const error = (res: ServerResponse, status: number, code: string) =>
  json(res, status, { error: { code, message: `${code} (test server)` } });

/** The tenant of a bearer JWT (the signature is the real server's business; tests sign them). */
function tenantOf(req: IncomingMessage): string | undefined {
  const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  try {
    const claims = JSON.parse(Buffer.from(token?.split('.')[1] ?? '', 'base64url').toString());
    return typeof claims.tenantId === 'string' && claims.exp * 1000 > Date.now()
      ? claims.tenantId
      : undefined;
  } catch {
    return undefined;
  }
}

async function listEventsRoute(
  stream: TestServer,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const tenant = tenantOf(req);
  if (!tenant) return error(res, 401, 'invalid_token');
  const query = new URL(req.url ?? '', 'http://x').searchParams;
  const limit = Number(query.get('limit') ?? '100');
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return error(res, 400, 'bad_limit');
  const filter = query.get('events') ? parseEventFilter(query.get('events') ?? '') : undefined;
  if (filter && !filter.ok) return error(res, 400, 'unknown_event');
  const incidentId = query.get('incidentId');
  const matches = (event: { event: string; data: unknown }) =>
    (!filter?.ok || filter.filter.matches(event.event)) &&
    (incidentId === null || (event.data as { incidentId?: unknown }).incidentId === incidentId);
  let after = query.get('after');
  let read = await stream.log.readAfter(tenant, after, limit + 1);
  const reset = read.status !== 'ok';
  if (read.status !== 'ok') {
    after = null;
    read = await stream.log.readAfter(tenant, null, limit + 1);
  }
  if (read.status !== 'ok') return error(res, 500, 'internal');
  // Filters are applied after the range read: `next` still advances past what they drop.
  const window = read.events.slice(0, limit);
  const last = window.at(-1)?.cursor ?? after;
  json(res, 200, {
    events: window
      .filter((s) => matches(s.event))
      .map((s) => ({ cursor: s.cursor, event: s.event })),
    next: last,
    hasMore: read.events.length > limit,
    reset,
  });
}

function proxy(target: string, req: IncomingMessage, res: ServerResponse): void {
  const upstream = httpRequest(
    new URL(req.url ?? '/', target),
    { method: req.method, headers: req.headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', () => res.destroy());
  res.on('close', () => upstream.destroy());
  req.pipe(upstream);
}

/**
 * Starts the real stream server and the REST route in front of it on 127.0.0.1.
 * @example
 * const s = await startCatchUpServer(); await s.stream.publish(events); listEvents({ url: s.url, … });
 */
export async function startCatchUpServer(
  options: Parameters<typeof startTestServer>[0] = {},
): Promise<CatchUpServer> {
  const stream = await startTestServer(options);
  const pages: URLSearchParams[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'GET' && url.pathname === '/v1/events') {
      pages.push(url.searchParams);
      listEventsRoute(stream, req, res).catch(() => error(res, 500, 'internal'));
      return;
    }
    proxy(stream.url, req, res);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stream,
    pages,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await stream.close();
    },
  };
}
