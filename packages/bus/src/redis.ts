import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import { normalizeLimit, prepareBatch } from './batch.js';
import { compareDigits, compareParsed } from './cursor.js';
import { BusError, BusUnavailableError, PartialAppendError } from './errors.js';
import { newEpoch } from './id.js';
import { ListenerRegistry } from './listeners.js';
import { APPEND_SCRIPT, CATCH_UP_SCRIPT, INDEX_SCRIPT, READ_SCRIPT } from './redis-scripts.js';
import type {
  BusLogger,
  EventListener,
  EventLog,
  ReadResult,
  StoredEvent,
  Unsubscribe,
} from './types.js';

/** One seed node of a Redis Cluster. */
export interface RedisClusterNode {
  readonly host: string;
  readonly port: number;
}

/** Redis Cluster mode of `createRedisEventLog`: seed nodes, and ioredis `Cluster` options. */
export interface RedisClusterConfig {
  /** Seed nodes; the subscriber connection also rotates through them when its node fails. */
  readonly nodes: readonly RedisClusterNode[];
  /** ioredis cluster options, merged over this log's defaults (fail fast, no offline queue). */
  readonly options?: ClusterOptions;
}

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

/** What the fan-out knows about a tenant it has delivered events of (or is about to). */
interface Feed {
  /** Epoch of `last`; '' for a tenant discovered after an outage and not read yet. */
  epoch: string;
  /**
   * Stream id of the last event delivered ('' = none in this epoch). For a discovered tenant not
   * read yet: the exclusive time bound to read from (not necessarily an entry).
   */
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
/** Fills the results of one tenant's events (`indices` into the batch) from the append reply. */
type Place = (
  indices: readonly number[],
  epoch: string,
  ids: readonly string[],
  resolved: readonly string[],
) => void;
type AppendReply = (string | string[])[];
type ReadReply = [status: 'ok', epoch: string, entries: RawEntry[]] | [status: string];
type CatchUpReply = [epoch: string, entries: RawEntry[]];

interface Scripts {
  causeflowAppend(numKeys: number, ...args: (string | number)[]): Promise<AppendReply>;
  causeflowRead(...args: (string | number)[]): Promise<ReadReply>;
  causeflowCatchUp(...args: (string | number)[]): Promise<CatchUpReply>;
  causeflowIndex(...args: string[]): Promise<string>;
}

/** The command connection: one Redis, or a cluster, with this log's scripts defined. */
type Client = (Redis | Cluster) & Scripts;

const CURSOR_PATTERN = /^([a-z0-9]{1,64})\.([0-9]{1,15})-([0-9]{1,15})$/;
const UNKNOWN: ReadResult = Object.freeze({ status: 'unknown_cursor' });
const TRIMMED: ReadResult = Object.freeze({ status: 'cursor_trimmed' });
const CATCH_UP_PAGE = 500;
const CATCH_UP_CONCURRENCY = 8;
const MAX_PENDING = 10_000;
const RETRY_MS = [100, 250, 500, 1_000, 2_000];
/** Stream ids can run behind the watermark this much (clock steps, skew between cluster nodes). */
const CLOCK_SLACK_MS = 1_000;
/**
 * Cluster mode: the tenant index is scored by its own node's clock before the append runs on the
 * tenant's node, so an entry can be this much newer than its index score (latency + skew).
 */
const CLUSTER_INDEX_SLACK_MS = 10_000;
const INDEX_PAGE = 1_000;
/** The largest sequence part of a stream id. */
const MAX_SEQ = '18446744073709551615';

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

/** The ms part of a stream id (0 when unreadable). */
function idMs(id: string): number {
  const ms = Number(id.slice(0, id.indexOf('-')));
  return Number.isSafeInteger(ms) ? ms : 0;
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
 * // Redis Cluster: atomic per tenant, see PartialAppendError.
 * createRedisEventLog({ cluster: { nodes: [{ host: '10.0.0.1', port: 6379 }] }, logger });
 */
export function createRedisEventLog(options: RedisEventLogOptions = {}): EventLog {
  return new RedisEventLog(options);
}

class RedisEventLog implements EventLog {
  readonly #client: Client;
  /** The current subscriber connection (replaced when cluster mode moves to another node). */
  #subscriber!: Redis;
  readonly #subscriberOptions: RedisOptions;
  readonly #url: string;
  readonly #nodes: readonly RedisClusterNode[] | undefined;
  #nodeTurn = 0;
  readonly #prefix: string;
  readonly #channel: string;
  /** Sorted set tenant -> ms of its newest append, to find tenants after an outage. */
  readonly #indexKey: string;
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
  readonly #createdAt = performance.now();
  /** The wait for the very first connection, shared by every caller. */
  #startup: Promise<void> | undefined;
  #down = new Set<string>();
  /** Redis time (ms) when this instance first subscribed: older events are never delivered. */
  #startMs = 0;
  /** Newest stream time (ms) seen in a notification, or of the last completed resubscribe. */
  #watermarkMs = 0;
  /** While a reconnect looks for tenants it missed: the time bound (ms) to read them from. */
  #discoveryFromMs: number | undefined;
  /** Counts subscriber (re)connects; a discovery of an older one stops. */
  #generation = 0;

  constructor(options: RedisEventLogOptions) {
    const retention = options.retention ?? 10_000;
    if (!Number.isSafeInteger(retention) || retention < 1) {
      throw new BusError(`retention must be a positive integer, got ${String(retention)}`);
    }
    this.#retention = retention;
    this.#prefix = options.keyPrefix ?? 'causeflow:';
    this.#channel = `${this.#prefix}events`;
    this.#indexKey = `${this.#prefix}tenants`;
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
    this.#url = options.url ?? 'redis://127.0.0.1:6379';
    const cluster = options.cluster;
    if (cluster) {
      if (cluster.nodes.length === 0) throw new BusError('cluster.nodes must not be empty');
      this.#nodes = cluster.nodes;
      const clusterOptions: ClusterOptions = {
        enableOfflineQueue: false,
        clusterRetryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
        ...cluster.options,
        redisOptions: { ...redisOptions, ...cluster.options?.redisOptions },
      };
      this.#client = new Cluster(
        cluster.nodes.map(({ host, port }) => ({ host, port })),
        clusterOptions,
      ) as Client;
      this.#subscriberOptions = {
        ...clusterOptions.redisOptions,
        enableOfflineQueue: true,
        autoResubscribe: false,
        commandTimeout: undefined,
        // Give up on a node after a few attempts and move on to the next seed node.
        retryStrategy: (attempt) => (attempt > 3 ? null : attempt * 100),
      };
    } else {
      this.#client = new Redis(this.#url, redisOptions) as Client;
      this.#subscriberOptions = {
        ...redisOptions,
        enableOfflineQueue: true,
        autoResubscribe: false,
        commandTimeout: undefined,
      };
    }
    this.#client.defineCommand('causeflowAppend', { lua: APPEND_SCRIPT });
    this.#client.defineCommand('causeflowRead', { lua: READ_SCRIPT, numberOfKeys: 2 });
    this.#client.defineCommand('causeflowCatchUp', { lua: CATCH_UP_SCRIPT, numberOfKeys: 2 });
    this.#client.defineCommand('causeflowIndex', { lua: INDEX_SCRIPT, numberOfKeys: 1 });
    this.#watch(this.#client, 'commands');
    this.#client.on('ready', () => {
      this.#everReady = true;
    });
    this.#connectSubscriber();
  }

  /** Opens the subscriber connection (in cluster mode to the next seed node in turn). */
  #connectSubscriber(): void {
    const nodes = this.#nodes;
    const subscriber = nodes
      ? new Redis({ ...this.#subscriberOptions, ...nodes[this.#nodeTurn++ % nodes.length]! })
      : new Redis(this.#url, this.#subscriberOptions);
    this.#subscriber = subscriber;
    this.#watch(subscriber, 'subscriber');
    subscriber.on('ready', () => void this.#onSubscriberReady(subscriber));
    subscriber.on('close', () => {
      if (this.#subscriber === subscriber) this.#subscribedNow = false;
    });
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.#channel && this.#subscriber === subscriber) {
        this.#onNotification(message);
      }
    });
    if (nodes) {
      // ioredis gave up on this node: try the next one (after a pause once all were tried).
      subscriber.once('end', () => {
        if (this.#closed || this.#subscriber !== subscriber) return;
        const pause = this.#nodeTurn % nodes.length === 0 ? 500 : 0;
        this.#later(pause, () => this.#connectSubscriber());
      });
    }
  }

  /** Runs `task` after `ms` unless the log is closed first. */
  #later(ms: number, task: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (!this.#closed) task();
    }, ms);
    this.#timers.add(timer);
  }

  #streamKey(tenantId: string): string {
    return `${this.#prefix}{${tenantId}}:events`;
  }

  #metaKey(tenantId: string): string {
    return `${this.#prefix}{${tenantId}}:meta`;
  }

  /** Hash event id -> stream id of the tenant's retained entries (idempotent appends). */
  #idsKey(tenantId: string): string {
    return `${this.#prefix}{${tenantId}}:ids`;
  }

  /** Logs each outage once (ioredis reports every failed reconnect) and each recovery. */
  #watch(connection: Redis | Cluster, role: string): void {
    connection.on('error', (err: Error) => {
      if (this.#closed || this.#down.has(role)) return;
      this.#down.add(role);
      this.#logger?.warn({ err, role }, 'redis connection lost; retrying');
    });
    connection.on('ready', () => {
      if (this.#down.delete(role)) this.#logger?.info({ role }, 'redis connection restored');
    });
  }

  /**
   * Resolves when commands can be sent; waits only for the very first connection. A cluster
   * client may close and retry while it looks for a live seed node: it gets the whole
   * `connectTimeoutMs` from creation.
   */
  async #ready(): Promise<void> {
    if (this.#closed) throw new BusUnavailableError('the event log is closed');
    const client = this.#client;
    if (client.status === 'ready') return;
    const cluster = this.#nodes !== undefined;
    const remaining = this.#connectTimeoutMs - (performance.now() - this.#createdAt);
    const starting =
      !this.#everReady &&
      (cluster
        ? remaining > 0
        : client.status === 'wait' ||
          client.status === 'connecting' ||
          client.status === 'connect');
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
      const onClose = () => {
        if (!cluster) done(new BusUnavailableError('redis is unavailable (connect failed)'));
      };
      const timer = setTimeout(
        () => done(new BusUnavailableError('redis is unavailable (connect timeout)')),
        cluster ? remaining : this.#connectTimeoutMs,
      );
      client.once('ready', onReady);
      client.on('close', onClose);
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
    const groups = new Map<string, number[]>();
    for (let i = 0; i < prepared.length; i++) {
      const tenantId = prepared[i]!.tenantId;
      const group = groups.get(tenantId);
      if (group) group.push(i);
      else groups.set(tenantId, [i]);
    }
    const stored: StoredEvent[] = new Array(prepared.length);
    // Per tenant the script answers epoch, the stream id of each event, and for each one the
    // JSON of the stored event it resolved to ('' when added now; see APPEND_SCRIPT).
    const place: Place = (indices, epoch, ids, resolved) => {
      indices.forEach((index, k) => {
        const json = resolved[k];
        stored[index] = {
          cursor: `${epoch}.${ids[k]}`,
          event: json ? (JSON.parse(json) as StoredEvent['event']) : prepared[index]!,
        };
      });
    };
    const tenantArgs = (tenantId: string, indices: readonly number[]) => [
      tenantId,
      indices.length,
      ...indices.flatMap((i) => [prepared[i]!.id, JSON.stringify(prepared[i])]),
    ];
    if (this.#nodes) {
      await this.#appendPerTenant(groups, tenantArgs, place, stored);
      return stored;
    }
    // One script call for the whole batch (and the tenant index): atomic across tenants.
    const keys: string[] = [this.#indexKey];
    const args: (string | number)[] = [this.#retention, newEpoch(), this.#channel, '1'];
    for (const [tenantId, indices] of groups) {
      keys.push(this.#streamKey(tenantId), this.#metaKey(tenantId), this.#idsKey(tenantId));
      args.push(...tenantArgs(tenantId, indices));
    }
    let reply: AppendReply;
    try {
      reply = await this.#client.causeflowAppend(keys.length, ...keys, ...args);
    } catch (err) {
      throw unavailable(err);
    }
    let g = 0;
    for (const indices of groups.values()) {
      place(
        indices,
        reply[g * 3] as string,
        reply[g * 3 + 1] as string[],
        reply[g * 3 + 2] as string[],
      );
      g++;
    }
    return stored;
  }

  /**
   * Cluster mode: tenants live in different slots, so one script call per tenant (atomic per
   * tenant, in parallel), after marking them all in the tenant index. Throws
   * `PartialAppendError` when some tenants were stored and others failed.
   */
  async #appendPerTenant(
    groups: ReadonlyMap<string, number[]>,
    tenantArgs: (tenantId: string, indices: readonly number[]) => (string | number)[],
    place: Place,
    stored: readonly StoredEvent[],
  ): Promise<void> {
    const tenants = [...groups.keys()];
    try {
      // Before anything is written: if this fails, nothing of the batch is stored.
      await this.#client.causeflowIndex(this.#indexKey, ...tenants);
    } catch (err) {
      throw unavailable(err);
    }
    const epoch = newEpoch();
    const results = await Promise.allSettled(
      tenants.map((tenantId) =>
        this.#client.causeflowAppend(
          3,
          this.#streamKey(tenantId),
          this.#metaKey(tenantId),
          this.#idsKey(tenantId),
          this.#retention,
          epoch,
          this.#channel,
          '0',
          ...tenantArgs(tenantId, groups.get(tenantId)!),
        ),
      ),
    );
    const storedTenants: string[] = [];
    const failedTenants: string[] = [];
    let failure: unknown;
    results.forEach((result, t) => {
      const tenantId = tenants[t]!;
      if (result.status === 'fulfilled') {
        storedTenants.push(tenantId);
        const [tenantEpoch, ids, resolved] = result.value as [string, string[], string[]];
        place(groups.get(tenantId)!, tenantEpoch, ids, resolved);
      } else {
        failedTenants.push(tenantId);
        failure ??= result.reason;
      }
    });
    if (failedTenants.length === 0) return;
    if (storedTenants.length === 0) throw unavailable(failure);
    const indices = storedTenants.flatMap((tenantId) => groups.get(tenantId)!);
    throw new PartialAppendError(
      {
        storedTenants,
        failedTenants,
        stored: indices.sort((a, b) => a - b).map((i) => stored[i]!),
      },
      { cause: failure },
    );
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

  /**
   * (Re)subscribes on every (re)connect of the subscriber. After a reconnect it catches up every
   * tenant it has delivered, and looks in the tenant index for tenants appended to since the
   * watermark that it has never delivered, to read and deliver their missed events as well.
   */
  async #onSubscriberReady(subscriber: Redis): Promise<void> {
    if (this.#closed || subscriber !== this.#subscriber) return;
    const generation = ++this.#generation;
    const reconnect = this.#subscribedOnce;
    if (reconnect) {
      // Hold live notifications until the catch-up reads are done; those of tenants without a
      // feed too, until the discovery has run (keeps an unfinished discovery's bound).
      for (const feed of this.#feeds.values()) feed.catching = true;
      this.#discoveryFromMs ??= Math.max(this.#watermarkMs - CLOCK_SLACK_MS, this.#startMs);
    }
    let nowMs: number;
    try {
      // Redis time, taken before SUBSCRIBE on the same connection (no command after it in RESP2).
      const [seconds, micros] = await subscriber.time();
      nowMs = Number(seconds) * 1_000 + Math.floor(Number(micros) / 1_000);
      await subscriber.subscribe(this.#channel);
    } catch (err) {
      // The connection dropped again; the next 'ready' retries.
      this.#logger?.warn({ err }, 'redis subscribe failed');
      return;
    }
    if (generation !== this.#generation) return;
    this.#subscribedOnce = true;
    this.#subscribedNow = true;
    this.#resolveSubscribed();
    if (!reconnect) {
      this.#startMs = nowMs;
      this.#watermarkMs = Math.max(this.#watermarkMs, nowMs);
      return;
    }
    const tenants = [...this.#feeds.keys()];
    this.#logger?.info({ tenants: tenants.length }, 'redis fan-out resubscribed; catching up');
    await Promise.all([this.#catchUpAll(tenants), this.#discover(generation, nowMs)]);
  }

  /** Catches up `tenants`, a few at a time. */
  async #catchUpAll(tenants: string[]): Promise<void> {
    const worker = async () => {
      for (let t = tenants.pop(); t !== undefined; t = tenants.pop()) await this.#catchUp(t);
    };
    await Promise.all(Array.from({ length: CATCH_UP_CONCURRENCY }, worker));
  }

  /**
   * Finds, in the tenant index, tenants appended to since the discovery bound that this instance
   * has no feed for, and catches them up from that bound. Retries with backoff while the command
   * connection is down, until a newer (re)connect of the subscriber takes over.
   */
  async #discover(generation: number, nowMs: number, attempt = 0): Promise<void> {
    const fromMs = this.#discoveryFromMs;
    if (fromMs === undefined || this.#closed || generation !== this.#generation) return;
    const slack = this.#nodes ? CLUSTER_INDEX_SLACK_MS : 0;
    const found: string[] = [];
    try {
      for (let offset = 0; ; offset += INDEX_PAGE) {
        const page = await this.#client.zrangebyscore(
          this.#indexKey,
          fromMs - slack,
          '+inf',
          'LIMIT',
          offset,
          INDEX_PAGE,
        );
        found.push(...page);
        if (page.length < INDEX_PAGE) break;
      }
    } catch (err) {
      if (this.#closed || generation !== this.#generation) return;
      const delay = RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]!;
      this.#logger?.warn({ err, delay }, 'redis tenant discovery failed; retrying');
      this.#later(delay, () => void this.#discover(generation, nowMs, attempt + 1));
      return;
    }
    if (this.#closed || generation !== this.#generation) return;
    const fresh: string[] = [];
    for (const tenantId of found) {
      if (this.#feeds.has(tenantId)) continue;
      this.#feeds.set(tenantId, this.#freshFeed(fromMs));
      fresh.push(tenantId);
    }
    // Tenants first heard of while discovering are waiting with a fresh feed of their own.
    for (const [tenantId, feed] of this.#feeds) {
      if (feed.epoch === '' && !feed.running && !fresh.includes(tenantId)) fresh.push(tenantId);
    }
    this.#discoveryFromMs = undefined;
    this.#watermarkMs = Math.max(this.#watermarkMs, nowMs);
    if (fresh.length > 0) {
      this.#logger?.info({ tenants: fresh.length }, 'redis fan-out found tenants missed meanwhile');
    }
    await this.#catchUpAll(fresh);
  }

  /** A feed for a tenant not delivered yet, to be read from `fromMs` (inclusive) on. */
  #freshFeed(fromMs: number): Feed {
    return {
      epoch: '',
      last: `${fromMs - 1}-${MAX_SEQ}`,
      catching: true,
      running: false,
      again: false,
      pending: [],
    };
  }

  #onNotification(message: string): void {
    let note: Notification;
    try {
      note = JSON.parse(message) as Notification;
    } catch (err) {
      this.#logger?.error({ err }, 'unreadable notification skipped');
      return;
    }
    const newest = note.i[note.i.length - 1];
    if (newest) this.#watermarkMs = Math.max(this.#watermarkMs, idMs(newest));
    const feed = this.#feeds.get(note.t);
    if (!feed) {
      if (this.#discoveryFromMs !== undefined) {
        // Events of this tenant may have been missed during the outage: hold this until read.
        const fresh = this.#freshFeed(this.#discoveryFromMs);
        this.#feeds.set(note.t, fresh);
        this.#hold(fresh, note);
        return;
      }
      // First events of this tenant since this instance subscribed.
      this.#feeds.set(note.t, {
        epoch: note.p,
        last: newest ?? '',
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
            // A discovered tenant ('' epoch) keeps its time bound; a known one starts over.
            if (feed.epoch !== '') {
              this.#logger?.warn({ tenantId }, 'redis epoch changed; delivering the new stream');
              feed.last = '';
            }
            feed.epoch = epoch;
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
      this.#later(delay, () => void this.#catchUp(tenantId, attempt + 1));
    }
  }
}

async function quit(connection: Redis | Cluster): Promise<void> {
  if (connection.status === 'ready') {
    try {
      await connection.quit();
    } catch {
      // Closing anyway.
    }
  }
  connection.disconnect();
}
