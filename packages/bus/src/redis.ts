/**
 * The Redis Streams event log: `createRedisEventLog` joins the command path (`RedisLog`:
 * append, read, idempotency) and the fan-out (`RedisFanout`: subscriber, gaps, catch-up,
 * discovery) into one `EventLog`.
 */
import type { RedisOptions } from 'ioredis';
import { prepareBatch } from './batch.js';
import { compareStreamCursors } from './cursor.js';
import { BusUnavailableError } from './errors.js';
import { ListenerRegistry } from './listeners.js';
import type { CorruptSource } from './redis-codec.js';
import { type RedisClusterConfig, resolveEndpoint } from './redis-connection.js';
import { RedisFanout } from './redis-fanout.js';
import { RedisLog } from './redis-log.js';
import { resolveRetention } from './retention.js';
import type {
  BusLogger,
  EventListener,
  EventLog,
  ReadResult,
  StoredEvent,
  Unsubscribe,
} from './types.js';

export type { CorruptSource } from './redis-codec.js';
export type { RedisClusterConfig, RedisClusterNode } from './redis-connection.js';

/** Options of `createRedisEventLog`. */
export interface RedisEventLogOptions {
  /** Redis URL (default `redis://127.0.0.1:6379`); ignored when `cluster` is given. */
  readonly url?: string;
  /**
   * Connect to a Redis Cluster instead of one endpoint: appends run one script per tenant
   * (atomic per tenant, see `PartialAppendError`).
   */
  readonly cluster?: RedisClusterConfig;
  /** ioredis options, merged over this log's defaults (fail fast, no offline queue). */
  readonly redis?: RedisOptions;
  /** Prefix of every key and of the notification channel (default `causeflow:`). */
  readonly keyPrefix?: string;
  /** Events kept per tenant for replay, trimmed exactly (default 10000). */
  readonly retention?: number;
  /** Receives connection trouble, recoveries and listener errors. */
  readonly logger?: BusLogger;
  /** How long the first append or read waits for the initial connection (ms, default 5000). */
  readonly connectTimeoutMs?: number;
  /**
   * Called once per unreadable thing read back from Redis and skipped (also logged as a warning):
   * a malformed notification (`'notification'`), or a stream entry / event that is not JSON, not
   * a valid event, without an id or of another tenant (`'entry'`). E.g. to count it in a metric.
   */
  readonly onCorrupt?: (source: CorruptSource) => void;
}

/**
 * The shared event log on Redis Streams, for several server instances. One stream per tenant,
 * trimmed exactly to `retention`; cursors are `<epoch>.<stream id>` and mean the same on every
 * instance. Each instance holds two connections: commands, and one SUBSCRIBE for the fan-out.
 * Appends fail fast with `BusUnavailableError` while Redis is down; delivery resumes, with the
 * missed events, when it is back. Needs Redis >= 7.0. See the package README for guarantees.
 * @example
 * const log = createRedisEventLog({ url: process.env.REDIS_URL, logger });
 * log.subscribe((stored) => hub.publish(stored));
 * // Redis Cluster: atomic per tenant, see PartialAppendError.
 * createRedisEventLog({ cluster: { nodes: [{ host: '10.0.0.1', port: 6379 }] }, logger });
 */
export function createRedisEventLog(options: RedisEventLogOptions = {}): EventLog {
  return new RedisEventLog(options);
}

class RedisEventLog implements EventLog {
  readonly #log: RedisLog;
  readonly #fanout: RedisFanout;
  readonly #listeners: ListenerRegistry;
  readonly #connectTimeoutMs: number;
  #closed = false;

  constructor(options: RedisEventLogOptions) {
    const retention = resolveRetention(options.retention);
    const endpoint = resolveEndpoint(options);
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
    this.#listeners = new ListenerRegistry(options.logger);
    this.#log = new RedisLog({
      endpoint,
      keyPrefix: options.keyPrefix ?? 'causeflow:',
      retention,
      logger: options.logger,
      onCorrupt: options.onCorrupt,
      connectTimeoutMs: this.#connectTimeoutMs,
    });
    this.#fanout = new RedisFanout({
      subscribers: endpoint.subscribers,
      channel: this.#log.keys.channel,
      source: this.#log,
      deliver: (batch) => this.#listeners.emit(batch),
      logger: options.logger,
      onCorrupt: options.onCorrupt,
    });
    this.#fanout.start();
  }

  async append(events: readonly unknown[]): Promise<StoredEvent[]> {
    const prepared = prepareBatch(events);
    if (prepared.length === 0) return [];
    await this.#log.ready();
    // So that this instance's own subscribers see the batch, the first append waits (bounded)
    // for the fan-out subscription.
    if (!this.#fanout.subscribedOnce) await this.#fanout.waitSubscribed(this.#connectTimeoutMs);
    if (this.#closed) throw new BusUnavailableError('the event log is closed');
    return this.#log.append(prepared);
  }

  readAfter(tenantId: string, cursor: string | null, limit: number): Promise<ReadResult> {
    return this.#log.readAfter(tenantId, cursor, limit);
  }

  originCursor(tenantId: string): Promise<string> {
    return this.#log.originCursor(tenantId);
  }

  subscribe(listener: EventListener): Unsubscribe {
    return this.#listeners.add(listener);
  }

  compareCursors(a: string, b: string): number {
    return compareStreamCursors(a, b);
  }

  async isReady(): Promise<boolean> {
    return !this.#closed && this.#fanout.subscribedNow && (await this.#log.isReady());
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#listeners.clear();
    await Promise.all([this.#fanout.close(), this.#log.close()]);
  }
}
