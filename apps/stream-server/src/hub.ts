/**
 * Fan-out: the app subscribes to the event log once; the hub maps tenant → open connections,
 * serialises each event to its SSE frame once and writes that same buffer to every matching
 * connection. It also sends the heartbeat `ping` to every connection from one timer, and ends
 * streams whose token expired from another (one expiry wheel for every connection).
 */
import type { EventLog, StoredEvent, Unsubscribe } from '@causeflow/bus';
import { CONTROL_EVENTS, type PingData } from '@causeflow/events';
import type { Logger } from 'pino';
import type { StreamConnection } from './connection.js';
import { createExpiryWheel } from './expiry.js';
import type { DisconnectReason, ServerMetrics } from './metrics.js';
import { formatFrame } from './sse.js';

/**
 * Formats a stored event as its SSE frame: `id` = cursor, `event` = name, `data` = the envelope JSON.
 * @example
 * res.write(eventFrame(stored));
 */
export function eventFrame(stored: StoredEvent): Buffer {
  return Buffer.from(
    formatFrame({
      id: stored.cursor,
      event: stored.event.event,
      data: JSON.stringify(stored.event),
    }),
  );
}

/** Live numbers of the hub, for tests and the pending-bytes gauge. */
export interface HubStats {
  readonly connections: number;
  /** Connections still replaying (not live yet). */
  readonly replaying: number;
  readonly pendingBytes: number;
  readonly maxPendingBytes: number;
}

/** The per-instance registry of open streams. */
export interface StreamHub {
  /** Registers a connection for live events of its tenant and watches its token expiry. */
  add(connection: StreamConnection): void;
  /** Unregisters a connection (idempotent). */
  remove(connection: StreamConnection): void;
  /** Open connections of one tenant. */
  count(tenantId: string): number;
  /** Closes every open connection with `reason`. */
  closeAll(reason: DisconnectReason): void;
  stats(): HubStats;
  /** Unsubscribes from the log, stops the heartbeat and the expiry timer. Does not close connections. */
  stop(): void;
}

/** What `createStreamHub` needs. */
export interface StreamHubOptions {
  readonly log: EventLog;
  readonly metrics: ServerMetrics;
  readonly logger: Logger;
  readonly heartbeatMs: number;
  readonly now: () => number;
}

/**
 * Subscribes to `log` once and starts the heartbeat timer.
 * @example
 * const hub = createStreamHub({ log, metrics, logger, heartbeatMs: 30_000, now: Date.now });
 */
export function createStreamHub(options: StreamHubOptions): StreamHub {
  const { metrics, logger } = options;
  const byTenant = new Map<string, Set<StreamConnection>>();
  let total = 0;
  const expiry = createExpiryWheel<StreamConnection>({
    now: options.now,
    onExpired: (connection) => connection.close('token_expired'),
  });

  function onEvent(stored: StoredEvent): void {
    const connections = byTenant.get(stored.event.tenantId);
    if (connections === undefined) return;
    let frame: Buffer | undefined;
    let delivered = 0;
    // No copy: a write can close (and unregister) only the connection being written to, and a
    // Set iterator skips entries deleted before it reaches them. Nothing registers synchronously.
    for (const connection of connections) {
      // Each delivery is isolated: a throw (a filter, a broken socket) closes that connection
      // only, and the tenant's other connections still get the event.
      try {
        const filter = connection.filter;
        if (filter !== undefined && !filter(stored)) continue;
        if (frame === undefined) {
          try {
            frame = eventFrame(stored);
          } catch (error) {
            logger.error(
              { err: error, cursor: stored.cursor },
              'event could not be framed; skipped',
            );
            return;
          }
        }
        if (connection.deliverLive(stored, frame)) delivered += 1;
      } catch (error) {
        failed(connection, error);
      }
    }
    if (delivered > 0) metrics.eventsDelivered.inc(delivered);
  }

  function remove(connection: StreamConnection): void {
    const set = byTenant.get(connection.tenantId);
    if (set === undefined || !set.delete(connection)) return;
    if (set.size === 0) byTenant.delete(connection.tenantId);
    total -= 1;
    expiry.remove(connection, connection.expiresAtMs);
    metrics.connections.dec();
  }

  /** Closes a connection whose delivery threw and makes sure it is unregistered. */
  function failed(connection: StreamConnection, error: unknown): void {
    logger.error(
      { err: error, tenantId: connection.tenantId },
      'delivery failed; closing the stream',
    );
    try {
      connection.close('error');
    } catch (closeError) {
      logger.error({ err: closeError }, 'closing a failed stream threw');
    }
    remove(connection);
  }

  function forEachConnection(fn: (connection: StreamConnection) => void): void {
    // Closing a connection removes only itself (and its tenant's emptied Set): safe while iterating.
    // A throw for one connection (a ping write, a close) never skips the others.
    for (const set of byTenant.values()) {
      for (const connection of set) {
        try {
          fn(connection);
        } catch (error) {
          failed(connection, error);
        }
      }
    }
  }

  const unsubscribe: Unsubscribe = options.log.subscribe(onEvent);
  const heartbeat = startHeartbeat({
    everyMs: options.heartbeatMs,
    now: options.now,
    idle: () => total === 0,
    forEachConnection,
  });

  return {
    add(connection) {
      let set = byTenant.get(connection.tenantId);
      if (set === undefined) {
        set = new Set();
        byTenant.set(connection.tenantId, set);
      }
      if (set.has(connection)) return;
      set.add(connection);
      total += 1;
      expiry.add(connection, connection.expiresAtMs);
      metrics.connections.inc();
    },
    remove,
    count: (tenantId) => byTenant.get(tenantId)?.size ?? 0,
    closeAll(reason) {
      forEachConnection((connection) => connection.close(reason));
    },
    stats: () => collectStats(total, forEachConnection),
    stop() {
      unsubscribe();
      clearInterval(heartbeat);
      expiry.stop();
    },
  };
}

type ForEachConnection = (fn: (connection: StreamConnection) => void) => void;

/** One timer writing the same `ping` frame to every open connection. */
function startHeartbeat(options: {
  everyMs: number;
  now: () => number;
  idle: () => boolean;
  forEachConnection: ForEachConnection;
}): ReturnType<typeof setInterval> {
  const heartbeat = setInterval(() => {
    if (options.idle()) return;
    const data: PingData = { timestamp: new Date(options.now()).toISOString() };
    const frame = Buffer.from(
      formatFrame({ event: CONTROL_EVENTS.ping, data: JSON.stringify(data) }),
    );
    options.forEachConnection((connection) => connection.write(frame));
  }, options.everyMs);
  heartbeat.unref();
  return heartbeat;
}

function collectStats(connections: number, forEachConnection: ForEachConnection): HubStats {
  let pendingBytes = 0;
  let maxPendingBytes = 0;
  let replaying = 0;
  forEachConnection((connection) => {
    if (connection.replaying) replaying += 1;
    const pending = connection.pendingBytes;
    pendingBytes += pending;
    maxPendingBytes = Math.max(maxPendingBytes, pending);
  });
  return { connections, replaying, pendingBytes, maxPendingBytes };
}
