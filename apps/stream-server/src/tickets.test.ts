/**
 * One contract, two stores: every case runs against the memory store and, when Redis is
 * reachable (required under CI=true), the Redis store.
 */
import { randomBytes } from 'node:crypto';
import { REDIS_REQUIRED, REDIS_URL, redisReachable as redisUp } from '@causeflow/devkit/redis';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { StreamServerError } from './errors.js';
import {
  createMemoryTicketStore,
  type TicketGrant,
  type TicketLimits,
  type TicketStore,
} from './tickets.js';
import { createRedisTicketStore } from './ticketsRedis.js';

const redisReachable = await redisUp(REDIS_URL);
if (!redisReachable && REDIS_REQUIRED)
  throw new Error(`CI=true but Redis at ${REDIS_URL} is unreachable`);

const clients: Redis[] = [];
const prefixes: string[] = [];
function redisClient(): Redis {
  const client = new Redis(REDIS_URL);
  clients.push(client);
  return client;
}
afterAll(async () => {
  if (clients.length > 0) {
    const cleaner = clients[0]!;
    for (const prefix of prefixes) {
      const keys = await cleaner.keys(`${prefix}*`);
      if (keys.length > 0) await cleaner.del(...keys);
    }
  }
  for (const client of clients) client.disconnect();
});

type Factory = (
  limits: Partial<TicketLimits> & { now?: () => number },
  prefix?: string,
) => TicketStore;
const defaults: TicketLimits = { ttlMs: 30_000, maxPerTenant: 1000, maxOutstanding: 100_000 };
const memory: Factory = (limits) => createMemoryTicketStore({ ...defaults, ...limits });
const redis: Factory = (limits, prefix) =>
  createRedisTicketStore({ ...defaults, ...limits, redis: redisClient(), keyPrefix: prefix });

const stores: TicketStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

const farFuture = Math.floor(Date.UTC(2100, 0, 1) / 1000);
const grant = (tenantId = 'ten_a', sub?: string): TicketGrant => ({
  tenantId,
  sub,
  scopes: ['events:read'],
  tokenExpiresAt: farFuture,
});

for (const [name, factory] of [
  ['memory', memory],
  ['redis', redis],
] as const) {
  describe.skipIf(name === 'redis' && !redisReachable)(`${name} ticket store`, () => {
    function store(limits: Partial<TicketLimits> & { now?: () => number } = {}): TicketStore {
      const prefix = `test:tickets:${randomBytes(6).toString('hex')}:`;
      prefixes.push(prefix);
      const s = factory(limits, prefix);
      stores.push(s);
      return s;
    }

    it('redeems a ticket exactly once, with the grant it was issued for', async () => {
      const s = store();
      const { ticket } = await s.issue(grant('ten_a', 'u1'));
      expect(await s.redeem(ticket)).toEqual(grant('ten_a', 'u1'));
      expect(await s.redeem(ticket)).toBeUndefined();
    });

    it('issues unguessable, distinct tickets of 256 random bits', async () => {
      const s = store();
      const a = (await s.issue(grant())).ticket;
      const b = (await s.issue(grant())).ticket;
      expect(a).not.toBe(b);
      expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    });

    it('never outlives the token it was issued for', async () => {
      const t = 1_000_000;
      const s = store({ now: () => t });
      const issued = await s.issue({ ...grant(), tokenExpiresAt: 1010 });
      expect(issued.expiresAt).toBe(new Date(1_010_000).toISOString());
    });

    it('refuses unknown tickets', async () => {
      const s = store();
      expect(await s.redeem('nope')).toBeUndefined();
      expect(await s.redeem('A'.repeat(43))).toBeUndefined();
    });

    it('bounds one tenant with a 429 and still issues to another tenant', async () => {
      const s = store({ maxPerTenant: 2 });
      await s.issue(grant('ten_full'));
      await s.issue(grant('ten_full'));
      const refused = await s.issue(grant('ten_full')).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(StreamServerError);
      expect(refused).toMatchObject({ status: 429, code: 'too_many_tickets' });
      expect((refused as StreamServerError).headers['Retry-After']).toMatch(/^\d+$/);
      expect(await s.size('ten_full')).toBe(2);
      const other = await s.issue(grant('ten_other'));
      expect(await s.redeem(other.ticket)).toEqual(grant('ten_other'));
    });

    it('gives a tenant its quota back when a ticket is redeemed', async () => {
      const s = store({ maxPerTenant: 1 });
      const { ticket } = await s.issue(grant());
      await expect(s.issue(grant())).rejects.toMatchObject({ status: 429 });
      await s.redeem(ticket);
      await expect(s.issue(grant())).resolves.toMatchObject({ ticket: expect.any(String) });
    });

    it('bounds all outstanding tickets with a 429', async () => {
      const s = store({ maxOutstanding: 2 });
      await s.issue(grant('ten_a'));
      await s.issue(grant('ten_b'));
      await expect(s.issue(grant('ten_c'))).rejects.toMatchObject({
        status: 429,
        code: 'too_many_tickets',
      });
      expect(await s.size()).toBe(2);
    });

    it('makes room again once tickets expire', async () => {
      let t = 1_000_000;
      const s = store({ ttlMs: 1000, maxPerTenant: 1, maxOutstanding: 1, now: () => t });
      await s.issue(grant());
      t += 5000;
      await expect(s.issue(grant())).resolves.toMatchObject({ ticket: expect.any(String) });
      expect(await s.size()).toBe(1);
    });
  });
}

describe('memory ticket store', () => {
  it('refuses a ticket after its lifetime', async () => {
    let t = 1_000_000;
    const s = createMemoryTicketStore({ ...defaults, now: () => t });
    stores.push(s);
    const issued = await s.issue(grant());
    expect(issued.expiresAt).toBe(new Date(1_030_000).toISOString());
    t += 30_000;
    expect(await s.redeem(issued.ticket)).toBeUndefined();
  });
});

describe.skipIf(!redisReachable)('redis ticket store', () => {
  const prefix = `test:tickets:${randomBytes(6).toString('hex')}:`;
  prefixes.push(prefix);

  it('redeems on instance B a ticket issued on instance A, once, whichever instance is asked again', async () => {
    const a = createRedisTicketStore({ ...defaults, redis: redisClient(), keyPrefix: prefix });
    const b = createRedisTicketStore({ ...defaults, redis: redisClient(), keyPrefix: prefix });
    const { ticket } = await a.issue(grant('ten_ab'));
    expect(await b.redeem(ticket)).toEqual(grant('ten_ab'));
    expect(await a.redeem(ticket)).toBeUndefined();
    expect(await b.redeem(ticket)).toBeUndefined();
  });

  it('stores a ticket with a TTL no longer than its lifetime', async () => {
    const client = redisClient();
    const s = createRedisTicketStore({
      ...defaults,
      ttlMs: 5000,
      redis: client,
      keyPrefix: prefix,
    });
    const { ticket } = await s.issue(grant());
    const ttl = await client.pttl(`${prefix}t:${ticket}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(5000);
  });

  it('refuses a corrupt entry instead of trusting it', async () => {
    const client = redisClient();
    const s = createRedisTicketStore({ ...defaults, redis: client, keyPrefix: prefix });
    const ticket = 'B'.repeat(43);
    await client.set(`${prefix}t:${ticket}`, '{"tenantId":42}', 'PX', 5000);
    expect(await s.redeem(ticket)).toBeUndefined();
  });

  it('answers 503 tickets_unavailable when Redis cannot be reached', async () => {
    const down = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    down.on('error', () => {});
    clients.push(down);
    const s = createRedisTicketStore({ ...defaults, redis: down, keyPrefix: prefix });
    await expect(s.issue(grant())).rejects.toMatchObject({
      status: 503,
      code: 'tickets_unavailable',
    });
  });
});
