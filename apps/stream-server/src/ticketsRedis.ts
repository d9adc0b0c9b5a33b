/**
 * The Redis ticket store, shared by every instance of a `BUS=redis` deployment: a ticket issued by
 * one instance is redeemed on any other, exactly once (`GETDEL`), and expires by TTL (`PX`).
 *
 * Bounds without O(n) work: one sorted set per tenant and one for all tenants hold outstanding
 * tickets scored by expiry; a small script drops the expired head (`ZREMRANGEBYSCORE`, amortised),
 * counts (`ZCARD`) and adds, atomically per set. Each script touches one key, so this works on a
 * Redis Cluster too (the tenant and global bounds are then checked one after the other).
 */
import type { Cluster, Redis } from 'ioredis';
import { StreamServerError } from './errors.js';
import {
  type IssuedTicket,
  newTicket,
  TICKET_PATTERN,
  type TicketGrant,
  type TicketLimits,
  type TicketStore,
  tooManyTickets,
} from './tickets.js';

const RESERVE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1`;

const COUNT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
return redis.call('ZCARD', KEYS[1])`;

/** Options of `createRedisTicketStore`. */
export interface RedisTicketStoreOptions extends TicketLimits {
  readonly redis: Redis | Cluster;
  /** Prefix of every key; default `causeflow:tickets:`. */
  readonly keyPrefix?: string;
  /** Whether `close()` disconnects `redis` (default: false; the caller owns it). */
  readonly ownsClient?: boolean;
  readonly now?: () => number;
}

/** Checks a grant read back from Redis before it is trusted. */
function parseGrant(raw: string): TicketGrant | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const g = value as Partial<TicketGrant> | null;
  if (
    typeof g?.tenantId !== 'string' ||
    (g.sub !== undefined && typeof g.sub !== 'string') ||
    !Array.isArray(g.scopes) ||
    !g.scopes.every((s) => typeof s === 'string') ||
    typeof g.tokenExpiresAt !== 'number'
  ) {
    return undefined;
  }
  return { tenantId: g.tenantId, sub: g.sub, scopes: g.scopes, tokenExpiresAt: g.tokenExpiresAt };
}

/**
 * Creates the Redis store on an ioredis client (standalone or cluster).
 * @example
 * const store = createRedisTicketStore({ redis: new Redis(url), ttlMs: 30_000, maxPerTenant: 1000, maxOutstanding: 100_000 });
 */
export function createRedisTicketStore(options: RedisTicketStoreOptions): TicketStore {
  const { redis } = options;
  const now = options.now ?? Date.now;
  const prefix = options.keyPrefix ?? 'causeflow:tickets:';
  const ticketKey = (ticket: string): string => `${prefix}t:${ticket}`;
  const tenantKey = (tenantId: string): string => `${prefix}tenant:{${tenantId}}`;
  const globalKey = `${prefix}all`;
  const keepSetMs = String(options.ttlMs * 2);

  async function reserve(key: string, member: string, expiresAtMs: number, limit: number) {
    const args = [String(now()), String(expiresAtMs), member, String(limit), keepSetMs];
    return (await redis.eval(RESERVE, 1, key, ...args)) === 1;
  }

  async function issue(grant: TicketGrant): Promise<IssuedTicket> {
    const ticket = newTicket();
    const sweepAtMs = now() + options.ttlMs;
    const expiresAtMs = Math.min(sweepAtMs, grant.tokenExpiresAt * 1000);
    const ttl = Math.max(1, expiresAtMs - now());
    if (!(await reserve(tenantKey(grant.tenantId), ticket, sweepAtMs, options.maxPerTenant))) {
      throw tooManyTickets('tenant', options.ttlMs);
    }
    if (!(await reserve(globalKey, ticket, sweepAtMs, options.maxOutstanding))) {
      await redis.zrem(tenantKey(grant.tenantId), ticket);
      throw tooManyTickets('global', options.ttlMs);
    }
    const value: TicketGrant = { ...grant, scopes: [...grant.scopes] };
    await redis.set(ticketKey(ticket), JSON.stringify(value), 'PX', ttl);
    return { ticket, expiresAt: new Date(expiresAtMs).toISOString() };
  }

  async function redeem(ticket: string): Promise<TicketGrant | undefined> {
    if (!TICKET_PATTERN.test(ticket)) return undefined;
    const raw = await redis.getdel(ticketKey(ticket));
    if (raw === null) return undefined;
    const grant = parseGrant(raw);
    if (grant === undefined) return undefined;
    await Promise.all([
      redis.zrem(tenantKey(grant.tenantId), ticket),
      redis.zrem(globalKey, ticket),
    ]);
    return grant;
  }

  return {
    issue: (grant) => unavailableOnError(issue(grant)),
    redeem: (ticket) => unavailableOnError(redeem(ticket)),
    async size(tenantId) {
      const key = tenantId === undefined ? globalKey : tenantKey(tenantId);
      return Number(await redis.eval(COUNT, 1, key, String(now())));
    },
    async close() {
      if (options.ownsClient === true) redis.disconnect();
    },
  };
}

/** Redis failures become a 503 the client can retry, never a 500. */
async function unavailableOnError<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof StreamServerError) throw error;
    throw new StreamServerError(503, 'tickets_unavailable', 'the ticket store is unavailable', {
      headers: { 'Retry-After': '1' },
      cause: error,
    });
  }
}
