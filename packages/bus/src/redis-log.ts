/**
 * The command path of the Redis event log: append (one script call, idempotent by event id),
 * read after a cursor, the catch-up reads and tenant index the fan-out asks for. It holds the
 * command connection only; live delivery is `RedisFanout`'s.
 */
import type { Cluster, Redis } from 'ioredis';
import { normalizeLimit, type PreparedEvent } from './batch.js';
import {
  formatStreamCursor,
  ORIGIN_STREAM_ID,
  parseStreamCursor,
  TRIMMED,
  UNKNOWN,
} from './cursor.js';
import { BusError, BusUnavailableError, PartialAppendError } from './errors.js';
import { newEpoch } from './id.js';
import {
  type CodecReporter,
  type CorruptSource,
  checkStoredEvent,
  decodeEntries,
  type RawEntry,
} from './redis-codec.js';
import { OutageReporter, quit, type RedisEndpoint } from './redis-connection.js';
import type { CatchUpPage, FanoutSource } from './redis-fanout.js';
import {
  APPEND_SCRIPT,
  CATCH_UP_SCRIPT,
  INDEX_SCRIPT,
  ORIGIN_SCRIPT,
  READ_SCRIPT,
} from './redis-scripts.js';
import type { BusLogger, ReadResult, StoredEvent } from './types.js';

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
  causeflowOrigin(...args: string[]): Promise<string>;
}

/** The command connection: one Redis, or a cluster, with this log's scripts defined. */
type Client = (Redis | Cluster) & Scripts;

/**
 * Cluster mode: the tenant index is scored by its own node's clock before the append runs on the
 * tenant's node, so an entry can be this much newer than its index score (latency + skew).
 */
const CLUSTER_INDEX_SLACK_MS = 10_000;
const INDEX_PAGE = 1_000;

/** Options of `RedisLog`. */
export interface RedisLogOptions {
  readonly endpoint: RedisEndpoint;
  /** Prefix of every key and of the notification channel. */
  readonly keyPrefix: string;
  /** Events kept per tenant (checked by the caller). */
  readonly retention: number;
  readonly logger?: BusLogger;
  /** Called for each unreadable entry read back (skipped). */
  readonly onCorrupt?: (source: CorruptSource) => void;
  /** How long the first command waits for the initial connection (ms). */
  readonly connectTimeoutMs: number;
}

/** The key names of one log: per tenant (one hash tag, so one cluster slot) and global. */
export class RedisKeys {
  constructor(readonly prefix: string) {}
  /** The pub/sub channel of the notifications. */
  get channel(): string {
    return `${this.prefix}events`;
  }
  /** Sorted set tenant -> ms of its newest append, to find tenants after an outage. */
  get index(): string {
    return `${this.prefix}tenants`;
  }
  /** The tenant's stream. */
  stream(tenantId: string): string {
    return `${this.prefix}{${tenantId}}:events`;
  }
  /** The tenant's `epoch` and `trimmed`. */
  meta(tenantId: string): string {
    return `${this.prefix}{${tenantId}}:meta`;
  }
  /** Hash event id -> stream id of the tenant's retained entries (idempotent appends). */
  ids(tenantId: string): string {
    return `${this.prefix}{${tenantId}}:ids`;
  }
}

/** Turns a Redis failure into `BusUnavailableError` (bus errors pass through). */
function unavailable(err: unknown): BusError {
  if (err instanceof BusError) return err;
  return new BusUnavailableError(`redis: ${err instanceof Error ? err.message : String(err)}`, {
    cause: err,
  });
}

/**
 * The command half of the Redis event log. Fails fast with `BusUnavailableError` while Redis is
 * down (only the very first connection is awaited, up to `connectTimeoutMs`).
 */
export class RedisLog implements FanoutSource {
  readonly keys: RedisKeys;
  readonly #client: Client;
  readonly #cluster: boolean;
  readonly #retention: number;
  readonly #report: CodecReporter;
  readonly #connectTimeoutMs: number;
  readonly #createdAt = performance.now();
  #everReady = false;
  #closed = false;
  /** The wait for the very first connection, shared by every caller. */
  #startup: Promise<void> | undefined;

  constructor(options: RedisLogOptions) {
    this.keys = new RedisKeys(options.keyPrefix);
    this.#retention = options.retention;
    this.#report = { logger: options.logger, onCorrupt: options.onCorrupt };
    this.#connectTimeoutMs = options.connectTimeoutMs;
    this.#cluster = options.endpoint.nodes !== undefined;
    const client = options.endpoint.openCommands() as Client;
    client.defineCommand('causeflowAppend', { lua: APPEND_SCRIPT });
    client.defineCommand('causeflowRead', { lua: READ_SCRIPT, numberOfKeys: 2 });
    client.defineCommand('causeflowCatchUp', { lua: CATCH_UP_SCRIPT, numberOfKeys: 2 });
    client.defineCommand('causeflowIndex', { lua: INDEX_SCRIPT, numberOfKeys: 1 });
    client.defineCommand('causeflowOrigin', { lua: ORIGIN_SCRIPT, numberOfKeys: 1 });
    new OutageReporter('commands', options.logger, () => this.#closed).watch(client);
    client.on('ready', () => {
      this.#everReady = true;
    });
    this.#client = client;
  }

  /**
   * Resolves when commands can be sent; waits only for the very first connection. A cluster
   * client may close and retry while it looks for a live seed node: it gets the whole
   * `connectTimeoutMs` from creation.
   */
  async ready(): Promise<void> {
    if (this.#closed) throw new BusUnavailableError('the event log is closed');
    const client = this.#client;
    if (client.status === 'ready') return;
    const cluster = this.#cluster;
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

  /**
   * Appends validated events (call `ready()` first). Single Redis: one script call for the whole
   * batch, atomic across tenants. Cluster: one per tenant (see `#appendPerTenant`).
   */
  async append(prepared: readonly PreparedEvent[]): Promise<StoredEvent[]> {
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
        const event = this.#resolvedEvent(resolved[k], prepared[index]!, ids[k]!);
        stored[index] = { cursor: formatStreamCursor(epoch, ids[k]!), event };
      });
    };
    const tenantArgs = (tenantId: string, indices: readonly number[]) => [
      tenantId,
      indices.length,
      ...indices.flatMap((i) => [prepared[i]!.id, JSON.stringify(prepared[i])]),
    ];
    if (this.#cluster) {
      await this.#appendPerTenant(groups, tenantArgs, place, stored);
      return stored;
    }
    const keys: string[] = [this.keys.index];
    const args: (string | number)[] = [this.#retention, newEpoch(), this.keys.channel, '1'];
    for (const [tenantId, indices] of groups) {
      keys.push(this.keys.stream(tenantId), this.keys.meta(tenantId), this.keys.ids(tenantId));
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
      const at = g++ * 3;
      place(indices, reply[at] as string, reply[at + 1] as string[], reply[at + 2] as string[]);
    }
    return stored;
  }

  /**
   * The event an appended one resolved to: itself when added now (`json` empty), else the stored
   * event with its id, read back and checked (an unreadable one is reported and the given event
   * stands in for it).
   */
  #resolvedEvent(json: string | undefined, given: PreparedEvent, id: string): PreparedEvent {
    if (!json) return given;
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch {
      value = undefined;
    }
    const checked = checkStoredEvent(value, given.tenantId);
    if (typeof checked !== 'string') return checked;
    this.#report.logger?.warn(
      { problem: checked, tenantId: given.tenantId, id },
      'unreadable stored event of a repeated id; answering the given event',
    );
    this.#report.onCorrupt?.('entry');
    return given;
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
      await this.#client.causeflowIndex(this.keys.index, ...tenants);
    } catch (err) {
      throw unavailable(err);
    }
    const epoch = newEpoch();
    const results = await Promise.allSettled(
      tenants.map((tenantId) =>
        this.#client.causeflowAppend(
          3,
          this.keys.stream(tenantId),
          this.keys.meta(tenantId),
          this.keys.ids(tenantId),
          this.#retention,
          epoch,
          this.keys.channel,
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

  /** `EventLog.readAfter`: one script call, a range read of at most `limit` entries. */
  async readAfter(tenantId: string, cursor: string | null, limit: number): Promise<ReadResult> {
    let epoch = '';
    let id = '';
    if (cursor !== null) {
      const parsed = parseStreamCursor(cursor);
      if (!parsed) return UNKNOWN;
      epoch = parsed.epoch;
      id = `${parsed.position.ms}-${parsed.position.seq}`;
    }
    await this.ready();
    let reply: ReadReply;
    try {
      reply = await this.#client.causeflowRead(
        this.keys.stream(tenantId),
        this.keys.meta(tenantId),
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
    return { status: 'ok', events: decodeEntries(tenantId, replyEpoch, entries, this.#report) };
  }

  /** `EventLog.originCursor`: the tenant's epoch (created when it has none) and stream id `0-0`. */
  async originCursor(tenantId: string): Promise<string> {
    await this.ready();
    let epoch: string;
    try {
      epoch = await this.#client.causeflowOrigin(this.keys.meta(tenantId), newEpoch());
    } catch (err) {
      throw unavailable(err);
    }
    return formatStreamCursor(epoch, ORIGIN_STREAM_ID);
  }

  /** See `FanoutSource.readAfterId`. Throws (any error) when Redis cannot be reached. */
  async readAfterId(
    tenantId: string,
    epoch: string,
    afterId: string,
    count: number,
  ): Promise<CatchUpPage> {
    const [current, entries] = await this.#client.causeflowCatchUp(
      this.keys.stream(tenantId),
      this.keys.meta(tenantId),
      epoch,
      afterId,
      count,
    );
    return {
      epoch: current,
      events: decodeEntries(tenantId, current, entries, this.#report),
      lastId: entries.length > 0 ? entries[entries.length - 1]![0] : '',
      read: entries.length,
    };
  }

  /** See `FanoutSource.tenantsSince`: the tenant index, paged. Throws when Redis cannot be reached. */
  async tenantsSince(fromMs: number): Promise<string[]> {
    const slack = this.#cluster ? CLUSTER_INDEX_SLACK_MS : 0;
    const found: string[] = [];
    for (let offset = 0; ; offset += INDEX_PAGE) {
      const page = await this.#client.zrangebyscore(
        this.keys.index,
        fromMs - slack,
        '+inf',
        'LIMIT',
        offset,
        INDEX_PAGE,
      );
      found.push(...page);
      if (page.length < INDEX_PAGE) return found;
    }
  }

  /** True when the command connection is up and answers PING. */
  async isReady(): Promise<boolean> {
    if (this.#closed || this.#client.status !== 'ready') return false;
    try {
      return (await this.#client.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  /** Closes the command connection. */
  async close(): Promise<void> {
    this.#closed = true;
    await quit(this.#client);
  }
}
