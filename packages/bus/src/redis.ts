import { Redis, type RedisOptions } from 'ioredis';
import { normalizeLimit, prepareBatch } from './batch.js';
import { compareDigits, compareParsed } from './cursor.js';
import { BusError, BusUnavailableError } from './errors.js';
import { newEpoch } from './id.js';
import { ListenerRegistry } from './listeners.js';
import { APPEND_SCRIPT, CATCH_UP_SCRIPT, READ_SCRIPT } from './redis-scripts.js';
import type {
  BusLogger,
  EventListener,
  EventLog,
  ReadResult,
  StoredEvent,
  Unsubscribe,
} from './types.js';

/** Options of `createRedisEventLog`. */
export interface RedisEventLogOptions {
  /** Redis URL (default `redis://127.0.0.1:6379`). */
  readonly url?: string;
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
}

/** A notification published by the append script: one tenant's part of a batch. */
interface Notification {
  /** Tenant. */
  readonly t: string;
  /** Epoch of the tenant's stream. */
  readonly p: string;
  /** Id of the entry just before this batch, '' when the stream was empty. */
  readonly v: string;
  /** Stream ids of the batch, in order. */
  readonly i: readonly string[];
  /** The stored events, in order. */
  readonly e: readonly StoredEvent['event'][];
}

/** What the fan-out knows about a tenant it has delivered events of. */
interface Feed {
  epoch: string;
  /** Stream id of the last event delivered ('' = none in this epoch). */
  last: string;
  /** A catch-up read is running or scheduled: live notifications wait in `pending`. */
  catching: boolean;
  /** A catch-up pass is in progress (at most one per tenant). */
  running: boolean;
  /** Catch-up must run once more after the current pass (reconnect, gap or overflow meanwhile). */
  again: boolean;
  pending: Notification[];
}

type RawEntry = [id: string, fields: string[]];
type AppendReply = (string | string[])[];
type ReadReply = [status: 'ok', epoch: string, entries: RawEntry[]] | [status: string];
type CatchUpReply = [epoch: string, entries: RawEntry[]];

interface ScriptedRedis extends Redis {
  causeflowAppend(numKeys: number, ...args: (string | number)[]): Promise<AppendReply>;
  causeflowRead(...args: (string | number)[]): Promise<ReadReply>;
  causeflowCatchUp(...args: (string | number)[]): Promise<CatchUpReply>;
}

const CURSOR_PATTERN = /^([a-z0-9]{1,64})\.([0-9]{1,15})-([0-9]{1,15})$/;
const UNKNOWN: ReadResult = Object.freeze({ status: 'unknown_cursor' });
const TRIMMED: ReadResult = Object.freeze({ status: 'cursor_trimmed' });
const CATCH_UP_PAGE = 500;
const CATCH_UP_CONCURRENCY = 8;
const MAX_PENDING = 10_000;
const RETRY_MS = [100, 250, 500, 1_000, 2_000];

interface ParsedCursor {
  epoch: string;
  position: { ms: string; seq: string };
}

function parseCursor(cursor: string): ParsedCursor | undefined {
  const match = CURSOR_PATTERN.exec(cursor);
  if (!match) return undefined;
  // Normalise leading zeros so equal ids compare equal.
  return {
    epoch: match[1]!,
    position: { ms: String(Number(match[2])), seq: String(Number(match[3])) },
  };
}

function compareIds(a: string, b: string): number {
  const [am = '', as = ''] = a.split('-');
  const [bm = '', bs = ''] = b.split('-');
  return compareDigits(am, bm) || compareDigits(as, bs);
}

function unavailable(err: unknown): BusError {
  if (err instanceof BusError) return err;
  return new BusUnavailableError(`redis: ${err instanceof Error ? err.message : String(err)}`, {
    cause: err,
  });
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
 */
export function createRedisEventLog(options: RedisEventLogOptions = {}): EventLog {
  return new RedisEventLog(options);
}

class RedisEventLog implements EventLog {
  readonly #client: ScriptedRedis;
  readonly #subscriber: Redis;
  readonly #prefix: string;
  readonly #channel: string;
  readonly #retention: number;
  readonly #logger: BusLogger | undefined;
  readonly #connectTimeoutMs: number;
  readonly #listeners: ListenerRegistry;
  readonly #feeds = new Map<string, Feed>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #everReady = false;
  #subscribedOnce = false;
  /** The fan-out subscription is in place on the current subscriber connection. */
  #subscribedNow = false;
  #subscribed: Promise<void>;
  #resolveSubscribed!: () => void;
  #closed = false;
  /** The wait for the very first connection, shared by every caller. */
  #startup: Promise<void> | undefined;
  #down = new Set<string>();

  constructor(options: RedisEventLogOptions) {
    const retention = options.retention ?? 10_000;
    if (!Number.isSafeInteger(retention) || retention < 1) {
      throw new BusError(`retention must be a positive integer, got ${String(retention)}`);
    }
    this.#retention = retention;
    this.#prefix = options.keyPrefix ?? 'causeflow:';
    this.#channel = `${this.#prefix}events`;
    this.#logger = options.logger;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
    this.#listeners = new ListenerRegistry(options.logger);
    this.#subscribed = new Promise((resolve) => {
      this.#resolveSubscribed = resolve;
    });
    const redisOptions: RedisOptions = {
      // Fail fast instead of queueing while Redis is unreachable; an append in flight when the
      // connection drops fails rather than being re-sent (it may or may not have been applied).
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      commandTimeout: 5_000,
      connectTimeout: 5_000,
      retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
      ...options.redis,
    };
    const url = options.url ?? 'redis://127.0.0.1:6379';
    this.#client = new Redis(url, redisOptions) as ScriptedRedis;
    this.#client.defineCommand('causeflowAppend', { lua: APPEND_SCRIPT });
    this.#client.defineCommand('causeflowRead', { lua: READ_SCRIPT, numberOfKeys: 2 });
    this.#client.defineCommand('causeflowCatchUp', { lua: CATCH_UP_SCRIPT, numberOfKeys: 2 });
    this.#subscriber = new Redis(url, {
      ...redisOptions,
      enableOfflineQueue: true,
      autoResubscribe: false,
      commandTimeout: undefined,
    });
    this.#watch(this.#client, 'commands');
    this.#watch(this.#subscriber, 'subscriber');
    this.#client.on('ready', () => {
      this.#everReady = true;
    });
    this.#subscriber.on('ready', () => void this.#onSubscriberReady());
    this.#subscriber.on('close', () => {
      this.#subscribedNow = false;
    });
    this.#subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.#channel) this.#onNotification(message);
    });
  }

  #streamKey(tenantId: string): string {
    return `${this.#prefix}{${tenantId}}:events`;
  }

  #metaKey(tenantId: string): string {
    return `${this.#prefix}{${tenantId}}:meta`;
  }

  /** Logs each outage once (ioredis reports every failed reconnect) and each recovery. */
  #watch(connection: Redis, role: string): void {
    connection.on('error', (err: Error) => {
      if (this.#closed || this.#down.has(role)) return;
      this.#down.add(role);
      this.#logger?.warn({ err, role }, 'redis connection lost; retrying');
    });
    connection.on('ready', () => {
      if (this.#down.delete(role)) this.#logger?.info({ role }, 'redis connection restored');
    });
  }

  /** Resolves when commands can be sent; waits only for the very first connection. */
  async #ready(): Promise<void> {
    if (this.#closed) throw new BusUnavailableError('the event log is closed');
    const client = this.#client;
    if (client.status === 'ready') return;
    const starting =
      !this.#everReady &&
      (client.status === 'wait' || client.status === 'connecting' || client.status === 'connect');
    if (!starting) throw new BusUnavailableError(`redis is unavailable (${client.status})`);
    this.#startup ??= new Promise<void>((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(timer);
        client.off('ready', onReady);
        client.off('close', onClose);
        this.#startup = undefined;
        if (err) reject(err);
        else resolve();
      };
      const onReady = () => done();
      const onClose = () => done(new BusUnavailableError('redis is unavailable (connect failed)'));
      const timer = setTimeout(
        () => done(new BusUnavailableError('redis is unavailable (connect timeout)')),
        this.#connectTimeoutMs,
      );
      client.once('ready', onReady);
      client.once('close', onClose);
    });
    await this.#startup;
  }

  async append(events: readonly unknown[]): Promise<StoredEvent[]> {
    const prepared = prepareBatch(events);
    if (prepared.length === 0) return [];
    await this.#ready();
    // So that this instance's own subscribers see the batch, the first append waits (bounded)
    // for the fan-out subscription.
    if (!this.#subscribedOnce) await this.#waitSubscribed();
    // One script call for the whole batch: atomic across tenants on a single Redis. (Redis
    // Cluster would need one call per tenant, as tenants live in different slots.)
    const groups = new Map<string, number[]>();
    for (let i = 0; i < prepared.length; i++) {
      const tenantId = prepared[i]!.tenantId;
      const group = groups.get(tenantId);
      if (group) group.push(i);
      else groups.set(tenantId, [i]);
    }
    const keys: string[] = [];
    const args: (string | number)[] = [this.#retention, newEpoch(), this.#channel];
    for (const [tenantId, indices] of groups) {
      keys.push(this.#streamKey(tenantId), this.#metaKey(tenantId));
      args.push(tenantId, indices.length);
      for (const i of indices) args.push(JSON.stringify(prepared[i]));
    }
    let reply: AppendReply;
    try {
      reply = await this.#client.causeflowAppend(keys.length, ...keys, ...args);
    } catch (err) {
      throw unavailable(err);
    }
    const stored: StoredEvent[] = new Array(prepared.length);
    let g = 0;
    for (const indices of groups.values()) {
      const epoch = reply[g * 2] as string;
      const ids = reply[g * 2 + 1] as string[];
      indices.forEach((index, k) => {
        stored[index] = { cursor: `${epoch}.${ids[k]}`, event: prepared[index]! };
      });
      g++;
    }
    return stored;
  }

  async #waitSubscribed(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.#subscribed,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.#connectTimeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }

  async readAfter(tenantId: string, cursor: string | null, limit: number): Promise<ReadResult> {
    let epoch = '';
    let id = '';
    if (cursor !== null) {
      const parsed = parseCursor(cursor);
      if (!parsed) return UNKNOWN;
      epoch = parsed.epoch;
      id = `${parsed.position.ms}-${parsed.position.seq}`;
    }
    await this.#ready();
    let reply: ReadReply;
    try {
      reply = await this.#client.causeflowRead(
        this.#streamKey(tenantId),
        this.#metaKey(tenantId),
        epoch,
        id,
        normalizeLimit(limit),
      );
    } catch (err) {
      throw unavailable(err);
    }
    if (reply[0] === 'unknown_cursor') return UNKNOWN;
    if (reply[0] === 'cursor_trimmed') return TRIMMED;
    const [, replyEpoch, entries] = reply as [string, string, RawEntry[]];
    return { status: 'ok', events: this.#toStored(replyEpoch, entries) };
  }

  #toStored(epoch: string, entries: readonly RawEntry[]): StoredEvent[] {
    const events: StoredEvent[] = [];
    for (const [id, fields] of entries) {
      const json = fields[fields.indexOf('e') + 1];
      try {
        events.push({ cursor: `${epoch}.${id}`, event: JSON.parse(json ?? '') });
      } catch (err) {
        this.#logger?.error({ err, id }, 'unreadable stream entry skipped');
      }
    }
    return events;
  }

  subscribe(listener: EventListener): Unsubscribe {
    return this.#listeners.add(listener);
  }

  compareCursors(a: string, b: string): number {
    return compareParsed(
      a,
      b,
      parseCursor,
      (x, y) => compareDigits(x.ms, y.ms) || compareDigits(x.seq, y.seq),
    );
  }

  async isReady(): Promise<boolean> {
    if (this.#closed || this.#client.status !== 'ready' || !this.#subscribedNow) return false;
    try {
      return (await this.#client.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#listeners.clear();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#resolveSubscribed();
    await Promise.all([this.#client, this.#subscriber].map((c) => quit(c)));
  }

  // --- fan-out ---------------------------------------------------------------------------------

  /** (Re)subscribes on every (re)connect of the subscriber; after a reconnect, catches up. */
  async #onSubscriberReady(): Promise<void> {
    const reconnect = this.#subscribedOnce;
    // Hold live notifications of known tenants until their catch-up read is done.
    if (reconnect) for (const feed of this.#feeds.values()) feed.catching = true;
    try {
      await this.#subscriber.subscribe(this.#channel);
    } catch (err) {
      // The connection dropped again; the next 'ready' retries.
      this.#logger?.warn({ err }, 'redis subscribe failed');
      return;
    }
    this.#subscribedOnce = true;
    this.#subscribedNow = true;
    this.#resolveSubscribed();
    if (!reconnect) return;
    const tenants = [...this.#feeds.keys()];
    this.#logger?.info({ tenants: tenants.length }, 'redis fan-out resubscribed; catching up');
    const worker = async () => {
      for (let t = tenants.pop(); t !== undefined; t = tenants.pop()) await this.#catchUp(t);
    };
    await Promise.all(Array.from({ length: CATCH_UP_CONCURRENCY }, worker));
  }

  #onNotification(message: string): void {
    let note: Notification;
    try {
      note = JSON.parse(message) as Notification;
    } catch (err) {
      this.#logger?.error({ err }, 'unreadable notification skipped');
      return;
    }
    const feed = this.#feeds.get(note.t);
    if (!feed) {
      // First events of this tenant since this instance subscribed.
      this.#feeds.set(note.t, {
        epoch: note.p,
        last: note.i[note.i.length - 1] ?? '',
        catching: false,
        running: false,
        again: false,
        pending: [],
      });
      this.#deliver(note, 0);
      return;
    }
    if (feed.catching) {
      this.#hold(feed, note);
      return;
    }
    if (!this.#deliverContiguous(feed, note)) {
      // A gap (a lost notification) or a new epoch (Redis lost its data): read what is missing.
      this.#hold(feed, note);
      feed.catching = true;
      void this.#catchUp(note.t);
    }
  }

  #hold(feed: Feed, note: Notification): void {
    if (feed.pending.length < MAX_PENDING) {
      feed.pending.push(note);
    } else {
      // Everything held is in the stream too: drop it and read once more.
      feed.pending = [];
      feed.again = true;
    }
  }

  /** Delivers the part of `note` after `feed.last` if it follows on directly; false on a gap. */
  #deliverContiguous(feed: Feed, note: Notification): boolean {
    if (note.p !== feed.epoch) return false;
    let from = 0;
    while (from < note.i.length && compareIds(note.i[from]!, feed.last) <= 0) from++;
    if (from === note.i.length) return true; // already delivered
    const predecessor = from === 0 ? note.v : note.i[from - 1]!;
    if (predecessor !== feed.last) return false;
    feed.last = note.i[note.i.length - 1]!;
    this.#deliver(note, from);
    return true;
  }

  #deliver(note: Notification, from: number): void {
    const batch: StoredEvent[] = [];
    for (let k = from; k < note.i.length; k++) {
      batch.push({ cursor: `${note.p}.${note.i[k]}`, event: note.e[k]! });
    }
    this.#listeners.emit(batch);
  }

  /**
   * Reads a tenant's stream after the last delivered event until the end, delivering as it goes,
   * then releases the notifications held meanwhile. Retries with backoff while Redis is down.
   */
  async #catchUp(tenantId: string, attempt = 0): Promise<void> {
    const feed = this.#feeds.get(tenantId);
    if (!feed || this.#closed) return;
    feed.catching = true;
    if (feed.running) {
      feed.again = true;
      return;
    }
    feed.running = true;
    try {
      do {
        feed.again = false;
        for (;;) {
          const [epoch, entries] = await this.#client.causeflowCatchUp(
            this.#streamKey(tenantId),
            this.#metaKey(tenantId),
            feed.epoch,
            feed.last,
            CATCH_UP_PAGE,
          );
          if (this.#closed) return;
          if (epoch === '') break; // the tenant's data is gone; nothing to deliver
          if (epoch !== feed.epoch) {
            this.#logger?.warn({ tenantId }, 'redis epoch changed; delivering the new stream');
            feed.epoch = epoch;
            feed.last = '';
          }
          const batch = this.#toStored(epoch, entries);
          if (entries.length > 0) feed.last = entries[entries.length - 1]![0];
          this.#listeners.emit(batch);
          if (entries.length < CATCH_UP_PAGE) break;
        }
        // Release the notifications held meanwhile. One that does not follow on means events
        // are missing: read again (the rest of what was held is in the stream as well).
        const held = feed.pending;
        feed.pending = [];
        for (const note of held) {
          if (!this.#deliverContiguous(feed, note)) {
            feed.again = true;
            break;
          }
        }
      } while (feed.again && !this.#closed);
      feed.catching = false;
      feed.running = false;
    } catch (err) {
      feed.running = false;
      if (this.#closed) return;
      const delay = RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]!;
      this.#logger?.warn({ err, tenantId, delay }, 'redis catch-up failed; retrying');
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        void this.#catchUp(tenantId, attempt + 1);
      }, delay);
      this.#timers.add(timer);
    }
  }
}

async function quit(connection: Redis): Promise<void> {
  if (connection.status === 'ready') {
    try {
      await connection.quit();
    } catch {
      // Closing anyway.
    }
  }
  connection.disconnect();
}
