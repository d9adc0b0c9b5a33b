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
import { createExpiryWheel, type ExpiryWheel } from './expiry.js';
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

/** The hub of one instance: tenant → open connections, fed by one log subscription. */
class Hub implements StreamHub {
  readonly #byTenant = new Map<string, Set<StreamConnection>>();
  #total = 0;
  readonly #metrics: ServerMetrics;
  readonly #logger: Logger;
  readonly #expiry: ExpiryWheel<StreamConnection>;
  readonly #unsubscribe: Unsubscribe;
  readonly #heartbeat: ReturnType<typeof setInterval>;

  constructor(options: StreamHubOptions) {
    this.#metrics = options.metrics;
    this.#logger = options.logger;
    this.#expiry = createExpiryWheel<StreamConnection>({
      now: options.now,
      onExpired: (connection) => connection.close('token_expired'),
    });
    this.#unsubscribe = options.log.subscribe((stored) => this.#onEvent(stored));
    this.#heartbeat = startHeartbeat({
      everyMs: options.heartbeatMs,
      now: options.now,
      idle: () => this.#total === 0,
      forEachConnection: (fn) => this.#forEachConnection(fn),
    });
  }

  #onEvent(stored: StoredEvent): void {
    const connections = this.#byTenant.get(stored.event.tenantId);
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
            this.#logger.error(
              { err: error, cursor: stored.cursor },
              'event could not be framed; skipped',
            );
            return;
          }
        }
        if (connection.deliverLive(stored, frame)) delivered += 1;
      } catch (error) {
        this.#failed(connection, error);
      }
    }
    if (delivered > 0) this.#metrics.eventsDelivered.inc(delivered);
  }

  /** Closes a connection whose delivery threw and makes sure it is unregistered. */
  #failed(connection: StreamConnection, error: unknown): void {
    this.#logger.error(
      { err: error, tenantId: connection.tenantId },
      'delivery failed; closing the stream',
    );
    try {
      connection.close('error');
    } catch (closeError) {
      this.#logger.error({ err: closeError }, 'closing a failed stream threw');
    }
    this.remove(connection);
  }

  #forEachConnection(fn: (connection: StreamConnection) => void): void {
    // Closing a connection removes only itself (and its tenant's emptied Set): safe while iterating.
    // A throw for one connection (a ping write, a close) never skips the others.
    for (const set of this.#byTenant.values()) {
      for (const connection of set) {
        try {
          fn(connection);
        } catch (error) {
          this.#failed(connection, error);
        }
      }
    }
  }

  add(connection: StreamConnection): void {
    let set = this.#byTenant.get(connection.tenantId);
    if (set === undefined) {
      set = new Set();
      this.#byTenant.set(connection.tenantId, set);
    }
    if (set.has(connection)) return;
    set.add(connection);
    this.#total += 1;
    this.#expiry.add(connection, connection.expiresAtMs);
    this.#metrics.connections.inc();
  }

  remove(connection: StreamConnection): void {
    const set = this.#byTenant.get(connection.tenantId);
    if (set === undefined || !set.delete(connection)) return;
    if (set.size === 0) this.#byTenant.delete(connection.tenantId);
    this.#total -= 1;
    this.#expiry.remove(connection, connection.expiresAtMs);
    this.#metrics.connections.dec();
  }

  count(tenantId: string): number {
    return this.#byTenant.get(tenantId)?.size ?? 0;
  }

  closeAll(reason: DisconnectReason): void {
    this.#forEachConnection((connection) => connection.close(reason));
  }

  stats(): HubStats {
    return collectStats(this.#total, (fn) => this.#forEachConnection(fn));
  }

  stop(): void {
    this.#unsubscribe();
    clearInterval(this.#heartbeat);
    this.#expiry.stop();
  }
}

/**
 * Subscribes to `log` once and starts the heartbeat timer.
 * @example
 * const hub = createStreamHub({ log, metrics, logger, heartbeatMs: 30_000, now: Date.now });
 */
export function createStreamHub(options: StreamHubOptions): StreamHub {
  return new Hub(options);
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
