/**
 * The baseline: the least a Node SSE broadcaster can do with `node:http`. No auth, no validation,
 * no replay, no backpressure handling, one heartbeat timer; a frame is serialised once per event
 * and written to every connection of its tenant. CauseFlow is measured against it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** A running baseline broadcaster. */
export interface Broadcaster {
  readonly server: Server;
  /** Writes each event (an envelope with `tenantId`) to every connection of its tenant. */
  publish(events: readonly Record<string, unknown>[]): number;
  connectionCount(): number;
  /** Ends every stream and closes the listener. */
  close(): Promise<void>;
}

/**
 * Creates (does not start) the baseline broadcaster: `GET /stream?tenant=<id>`.
 * @example
 * const b = createBroadcaster({ heartbeatMs: 30_000 });
 * b.server.listen(0, '127.0.0.1');
 */
export function createBroadcaster(options: { heartbeatMs: number }): Broadcaster {
  const tenants = new Map<string, Set<ServerResponse>>();
  const cursors = new Map<string, number>();
  let count = 0;

  const server = createServer(function stream(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const tenant = url.searchParams.get('tenant');
    if (url.pathname !== '/stream' || !tenant) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 1000\n\n');
    let set = tenants.get(tenant);
    if (!set) {
      set = new Set();
      tenants.set(tenant, set);
    }
    set.add(res);
    count++;
    res.on('close', () => {
      if (set.delete(res)) count--;
    });
  });

  const heartbeat = setInterval(() => {
    const frame = `event: ping\ndata: {"timestamp":"${new Date().toISOString()}"}\n\n`;
    for (const set of tenants.values()) for (const res of set) res.write(frame);
  }, options.heartbeatMs);
  heartbeat.unref();

  return {
    server,
    publish(events) {
      let written = 0;
      for (const event of events) {
        const tenant = String(event.tenantId);
        const cursor = (cursors.get(tenant) ?? 0) + 1;
        cursors.set(tenant, cursor);
        const frame = `id: ${cursor}\nevent: ${String(event.event)}\ndata: ${JSON.stringify(event)}\n\n`;
        const set = tenants.get(tenant);
        if (!set) continue;
        for (const res of set) res.write(frame);
        written += set.size;
      }
      return written;
    },
    connectionCount: () => count,
    close() {
      clearInterval(heartbeat);
      for (const set of tenants.values()) for (const res of set) res.end();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
