/**
 * The Redis webhook store: endpoints, delivery log, pending counts and dispatch checkpoints shared
 * by every instance. Each state change is one Lua script, so counts and indexes never drift apart.
 *
 * Keys (under `keyPrefix`, default `causeflow:wh:`; `{t}` is the tenant's hash tag):
 * `{t}:endpoints` hash id → endpoint JSON · `{t}:checkpoint` string · `{t}:seq` counter ·
 * `{t}:pending` count · `{t}:d:<ep>` hash of records (`<id>` meta, `<id>:s` status, `<id>:a`
 * attempts one JSON per line, `<id>:n` next attempt) · `{t}:all|pending|succeeded|failed:<ep>` zsets
 * by creation order · `tenants` set · `endpoints`, `pending`, `disabled` global counts.
 * The global keys make these scripts single-Redis only (not Redis Cluster).
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { DeliveriesQuery } from './input.js';
import type { AttemptUpdate, DeliveryPage, EndpointLimits, WebhookStore } from './store.js';
import type { Attempt, Delivery, DeliveryStatus, StoredEndpoint } from './types.js';

const CREATE_ENDPOINT = `
if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
if tonumber(redis.call('GET', KEYS[3]) or '0') >= tonumber(ARGV[4]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[5])
redis.call('INCR', KEYS[3])
return 1`;

const UPDATE_ENDPOINT = `
local old = redis.call('HGET', KEYS[1], ARGV[1])
if not old then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
local was = cjson.decode(old).enabled
if was and ARGV[3] == '0' then redis.call('INCR', KEYS[2]) end
if (not was) and ARGV[3] == '1' then redis.call('DECR', KEYS[2]) end
return 1`;

// KEYS: endpoints, tenants, endpointCount, disabled, records, all, pending, succeeded, failed, tenantPending, globalPending
const DELETE_ENDPOINT = `
local old = redis.call('HGET', KEYS[1], ARGV[1])
if not old then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
if not cjson.decode(old).enabled then redis.call('DECR', KEYS[4]) end
redis.call('DECR', KEYS[3])
if redis.call('HLEN', KEYS[1]) == 0 then redis.call('SREM', KEYS[2], ARGV[2]) end
local n = redis.call('ZCARD', KEYS[7])
redis.call('DECRBY', KEYS[10], n)
redis.call('DECRBY', KEYS[11], n)
redis.call('DEL', KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9])
return 1`;

// KEYS: endpoints, records, all, pending, succeeded, failed, seq, tenantPending, globalPending
const CREATE_DELIVERY = `
if redis.call('HEXISTS', KEYS[1], ARGV[4]) == 0 then return -1 end
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return 0 end
local s = redis.call('INCR', KEYS[7])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2], ARGV[1] .. ':s', 'pending', ARGV[1] .. ':n', ARGV[5])
redis.call('ZADD', KEYS[3], s, ARGV[1])
redis.call('ZADD', KEYS[4], s, ARGV[1])
redis.call('INCR', KEYS[8])
redis.call('INCR', KEYS[9])
local excess = redis.call('ZCARD', KEYS[3]) - tonumber(ARGV[3])
while excess > 0 do
  local a = redis.call('ZRANGE', KEYS[5], 0, 0, 'WITHSCORES')
  local b = redis.call('ZRANGE', KEYS[6], 0, 0, 'WITHSCORES')
  local key, id
  if a[1] and (not b[1] or tonumber(a[2]) < tonumber(b[2])) then key, id = KEYS[5], a[1]
  elseif b[1] then key, id = KEYS[6], b[1]
  else break end
  redis.call('ZREM', key, id)
  redis.call('ZREM', KEYS[3], id)
  redis.call('HDEL', KEYS[2], id, id .. ':s', id .. ':a', id .. ':n')
  excess = excess - 1
end
return 1`;

// KEYS: records, all, pending, succeeded, failed, tenantPending, globalPending
const RECORD_ATTEMPT = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
local prev = redis.call('HGET', KEYS[1], ARGV[1] .. ':s')
local attempts = redis.call('HGET', KEYS[1], ARGV[1] .. ':a')
if attempts then attempts = attempts .. '\\n' .. ARGV[2] else attempts = ARGV[2] end
redis.call('HSET', KEYS[1], ARGV[1] .. ':a', attempts, ARGV[1] .. ':s', ARGV[3], ARGV[1] .. ':n', ARGV[4])
if prev ~= ARGV[3] then
  local sets = { pending = KEYS[3], succeeded = KEYS[4], failed = KEYS[5] }
  local score = redis.call('ZSCORE', KEYS[2], ARGV[1])
  redis.call('ZREM', sets[prev], ARGV[1])
  redis.call('ZADD', sets[ARGV[3]], score, ARGV[1])
  if prev == 'pending' then redis.call('DECR', KEYS[6]); redis.call('DECR', KEYS[7]) end
  if ARGV[3] == 'pending' then redis.call('INCR', KEYS[6]); redis.call('INCR', KEYS[7]) end
end
return 1`;

/** Options of `createRedisWebhookStore`. */
export interface RedisWebhookStoreOptions {
  /** `redis://…`; default `redis://127.0.0.1:6379`. */
  readonly url?: string;
  readonly keyPrefix?: string;
  /** Passed to ioredis over fail-fast defaults. */
  readonly redis?: RedisOptions;
}

type Meta = Pick<Delivery, 'id' | 'eventId' | 'event' | 'cursor'>;

function isStatus(value: unknown): value is DeliveryStatus {
  return value === 'pending' || value === 'succeeded' || value === 'failed';
}

/** Parses one stored record (a Redis reply, checked before typed); `undefined` when malformed. */
function parseRecord(fields: (string | null)[]): Delivery | undefined {
  const [meta, status, attempts, next] = fields;
  if (meta === null || meta === undefined || !isStatus(status)) return undefined;
  try {
    const m = JSON.parse(meta) as Meta;
    if (typeof m.id !== 'string' || typeof m.eventId !== 'string') return undefined;
    const list = attempts ? attempts.split('\n').map((line) => JSON.parse(line) as Attempt) : [];
    return {
      id: m.id,
      eventId: m.eventId,
      event: String(m.event),
      cursor: String(m.cursor),
      status,
      attempts: list,
      nextAttemptAt: next ? next : null,
    };
  } catch {
    return undefined;
  }
}

function parseEndpoint(json: string): StoredEndpoint | undefined {
  try {
    const e = JSON.parse(json) as StoredEndpoint;
    const ok =
      typeof e.id === 'string' &&
      typeof e.tenantId === 'string' &&
      typeof e.url === 'string' &&
      typeof e.enabled === 'boolean' &&
      Array.isArray(e.events) &&
      Array.isArray(e.secrets) &&
      e.secrets.every((s) => typeof s?.secret === 'string');
    return ok ? e : undefined;
  } catch {
    return undefined;
  }
}

/** Key names of one endpoint's delivery log. */
interface LogKeys {
  readonly records: string;
  readonly all: string;
  readonly pending: string;
  readonly succeeded: string;
  readonly failed: string;
}

/** The `WebhookStore` over one ioredis connection; key naming and the scripts' argument order live here. */
class RedisWebhookStore implements WebhookStore {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #global: { tenants: string; endpoints: string; pending: string; disabled: string };

  constructor(options: RedisWebhookStoreOptions) {
    this.#redis = new Redis(options.url ?? 'redis://127.0.0.1:6379', {
      maxRetriesPerRequest: 1,
      enableOfflineQueue: true,
      commandTimeout: 5000,
      ...options.redis,
    });
    this.#redis.on('error', () => {});
    const p = options.keyPrefix ?? 'causeflow:wh:';
    this.#prefix = p;
    this.#global = {
      tenants: `${p}tenants`,
      endpoints: `${p}endpoints`,
      pending: `${p}pending`,
      disabled: `${p}disabled`,
    };
  }

  /** The tenant's key prefix (with its hash tag). */
  #t(tenantId: string): string {
    return `${this.#prefix}{${tenantId}}:`;
  }

  #log(tenantId: string, endpointId: string): LogKeys {
    const k = this.#t(tenantId);
    return {
      records: `${k}d:${endpointId}`,
      all: `${k}all:${endpointId}`,
      pending: `${k}pending:${endpointId}`,
      succeeded: `${k}succeeded:${endpointId}`,
      failed: `${k}failed:${endpointId}`,
    };
  }

  #run(script: string, keys: string[], args: (string | number)[]): Promise<number> {
    return this.#redis.eval(script, keys.length, ...keys, ...args) as Promise<number>;
  }

  async createEndpoint(endpoint: StoredEndpoint, limits: EndpointLimits): Promise<'ok' | 'limit'> {
    const g = this.#global;
    const ok = await this.#run(
      CREATE_ENDPOINT,
      [`${this.#t(endpoint.tenantId)}endpoints`, g.tenants, g.endpoints],
      [endpoint.id, JSON.stringify(endpoint), limits.perTenant, limits.total, endpoint.tenantId],
    );
    return ok === 1 ? 'ok' : 'limit';
  }

  async getEndpoint(tenantId: string, id: string): Promise<StoredEndpoint | undefined> {
    const json = await this.#redis.hget(`${this.#t(tenantId)}endpoints`, id);
    const endpoint = json === null ? undefined : parseEndpoint(json);
    return endpoint?.tenantId === tenantId ? endpoint : undefined;
  }

  async listEndpoints(tenantId: string): Promise<StoredEndpoint[]> {
    const all = await this.#redis.hvals(`${this.#t(tenantId)}endpoints`);
    return all
      .map(parseEndpoint)
      .filter((e): e is StoredEndpoint => e !== undefined && e.tenantId === tenantId)
      .sort((a, b) =>
        a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1,
      );
  }

  async updateEndpoint(endpoint: StoredEndpoint): Promise<boolean> {
    const ok = await this.#run(
      UPDATE_ENDPOINT,
      [`${this.#t(endpoint.tenantId)}endpoints`, this.#global.disabled],
      [endpoint.id, JSON.stringify(endpoint), endpoint.enabled ? '1' : '0'],
    );
    return ok === 1;
  }

  async deleteEndpoint(tenantId: string, id: string): Promise<boolean> {
    const l = this.#log(tenantId, id);
    const g = this.#global;
    const t = this.#t(tenantId);
    const ok = await this.#run(
      DELETE_ENDPOINT,
      [
        `${t}endpoints`,
        g.tenants,
        g.endpoints,
        g.disabled,
        ...logKeyList(l),
        `${t}pending`,
        g.pending,
      ],
      [id, tenantId],
    );
    return ok === 1;
  }

  tenantsWithEndpoints(): Promise<string[]> {
    return this.#redis.smembers(this.#global.tenants);
  }

  async createDelivery(
    tenantId: string,
    endpointId: string,
    delivery: Delivery,
    logSize: number,
  ): Promise<'created' | 'exists' | 'gone'> {
    const l = this.#log(tenantId, endpointId);
    const t = this.#t(tenantId);
    const meta: Meta = {
      id: delivery.id,
      eventId: delivery.eventId,
      event: delivery.event,
      cursor: delivery.cursor,
    };
    const result = await this.#run(
      CREATE_DELIVERY,
      [`${t}endpoints`, ...logKeyList(l), `${t}seq`, `${t}pending`, this.#global.pending],
      [delivery.id, JSON.stringify(meta), logSize, endpointId, delivery.nextAttemptAt ?? ''],
    );
    return result === 1 ? 'created' : result === 0 ? 'exists' : 'gone';
  }

  async getDelivery(
    tenantId: string,
    endpointId: string,
    id: string,
  ): Promise<Delivery | undefined> {
    const records = this.#log(tenantId, endpointId).records;
    return parseRecord(await this.#redis.hmget(records, ...recordFields(id)));
  }

  async recordAttempt(
    tenantId: string,
    endpointId: string,
    id: string,
    update: AttemptUpdate,
  ): Promise<boolean> {
    const l = this.#log(tenantId, endpointId);
    const ok = await this.#run(
      RECORD_ATTEMPT,
      [...logKeyList(l), `${this.#t(tenantId)}pending`, this.#global.pending],
      [id, JSON.stringify(update.attempt), update.status, update.nextAttemptAt ?? ''],
    );
    return ok === 1;
  }

  async listDeliveries(
    tenantId: string,
    endpointId: string,
    query: DeliveriesQuery,
  ): Promise<DeliveryPage> {
    const l = this.#log(tenantId, endpointId);
    let max = '+inf';
    if (query.after !== undefined) {
      const score = await this.#redis.zscore(l.all, query.after);
      if (score === null) return { deliveries: [], next: null };
      max = `(${score}`;
    }
    const index = query.status === undefined ? l.all : l[query.status];
    const ids = await this.#redis.zrevrangebyscore(index, max, '-inf', 'LIMIT', 0, query.limit + 1);
    const shown = ids.slice(0, query.limit);
    const deliveries: Delivery[] = [];
    if (shown.length > 0) {
      const pipeline = this.#redis.pipeline();
      for (const id of shown) pipeline.hmget(l.records, ...recordFields(id));
      for (const [error, fields] of (await pipeline.exec()) ?? []) {
        const record = error ? undefined : parseRecord(fields as (string | null)[]);
        if (record !== undefined) deliveries.push(record);
      }
    }
    return { deliveries, next: ids.length > query.limit ? (shown.at(-1) ?? null) : null };
  }

  async pendingCounts(tenantId: string): Promise<{ tenant: number; total: number }> {
    const [tenant, total] = await this.#redis.mget(
      `${this.#t(tenantId)}pending`,
      this.#global.pending,
    );
    return { tenant: Number(tenant ?? 0), total: Number(total ?? 0) };
  }

  async stats(): Promise<{ pending: number; disabled: number }> {
    const [pending, disabled] = await this.#redis.mget(this.#global.pending, this.#global.disabled);
    return { pending: Number(pending ?? 0), disabled: Number(disabled ?? 0) };
  }

  getCheckpoint(tenantId: string): Promise<string | null> {
    return this.#redis.get(`${this.#t(tenantId)}checkpoint`);
  }

  async setCheckpoint(tenantId: string, cursor: string): Promise<void> {
    await this.#redis.set(`${this.#t(tenantId)}checkpoint`, cursor);
  }

  async close(): Promise<void> {
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }
}

/** The log's keys in the order the scripts take them: records, all, pending, succeeded, failed. */
function logKeyList(l: LogKeys): string[] {
  return [l.records, l.all, l.pending, l.succeeded, l.failed];
}

/** The hash fields of one record: meta, status, attempts, next attempt. */
function recordFields(id: string): [string, string, string, string] {
  return [id, `${id}:s`, `${id}:a`, `${id}:n`];
}

/**
 * Creates the Redis store (its own connection).
 * @example
 * const store = createRedisWebhookStore({ url: 'redis://127.0.0.1:6379' });
 */
export function createRedisWebhookStore(options: RedisWebhookStoreOptions = {}): WebhookStore {
  return new RedisWebhookStore(options);
}
