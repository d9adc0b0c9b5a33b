/**
 * Tickets across instances: with a Redis ticket store, a ticket issued by instance A opens a
 * stream on instance B, once. Needs Redis (`REDIS_URL`): required under CI=true, else skipped.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../src/testing.js';
import { createRedisTicketStore } from '../src/ticketsRedis.js';
import { incidentCreated, openStream } from './helpers.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const REQUIRED = process.env.CI === 'true' || process.env.CI === '1';
const probe = new Redis(REDIS_URL, { lazyConnect: true, retryStrategy: () => null });
probe.on('error', () => {});
const reachable = await probe.connect().then(
  () => true,
  () => false,
);
if (!reachable && REQUIRED) throw new Error(`CI=true but Redis at ${REDIS_URL} is unreachable`);

const prefix = `test:tickets-http:${randomBytes(6).toString('hex')}:`;
const limits = { ttlMs: 30_000, maxPerTenant: 1000, maxOutstanding: 100_000 };
const SECRET = randomBytes(32).toString('base64url');
let a: TestServer;
let b: TestServer;
const clients: Redis[] = [];

describe.skipIf(!reachable)('tickets shared through Redis', () => {
  beforeAll(async () => {
    const store = () => {
      const redis = new Redis(REDIS_URL);
      clients.push(redis);
      return createRedisTicketStore({ ...limits, redis, keyPrefix: prefix });
    };
    // Two instances with their own ticket store objects (and Redis connections), one Redis.
    a = await startTestServer({ jwtSecret: SECRET, tickets: store() });
    b = await startTestServer({ jwtSecret: SECRET, tickets: store(), log: a.log });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    const keys = reachable ? await probe.keys(`${prefix}*`) : [];
    if (keys.length > 0) await probe.del(...keys);
    for (const client of clients) client.disconnect();
    probe.disconnect();
  });

  it('opens a stream on instance B with a ticket issued by instance A, and refuses a second use on either', async () => {
    const res = await fetch(`${a.url}/v1/notifications/tickets`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${await a.token({ tenantId: 'ten_shared' })}` },
    });
    expect(res.status).toBe(200);
    const { ticket } = (await res.json()) as { ticket: string };
    const url = (server: TestServer) =>
      `${server.url}/v1/notifications/stream?ticket=${encodeURIComponent(ticket)}`;

    const stream = await openStream(url(b));
    try {
      expect(stream.response.status).toBe(200);
      await b.publish([incidentCreated('ten_shared', 3)]);
      const [message] = await stream.waitFor(1, (m) => m.event === 'incident.created');
      expect(JSON.parse(message!.data).tenantId).toBe('ten_shared');
      for (const server of [a, b]) {
        const again = await fetch(url(server));
        expect(again.status).toBe(401);
        expect(again.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
      }
    } finally {
      stream.close();
    }
  });

  it('keeps tickets in Redis by default when BUS=redis, so another instance redeems them', async () => {
    const config = { bus: 'redis' as const, redisUrl: REDIS_URL };
    const one = await startTestServer({ jwtSecret: SECRET, config });
    const two = await startTestServer({ jwtSecret: SECRET, config, log: one.log });
    try {
      const tenantId = `ten_busredis_${randomBytes(4).toString('hex')}`;
      const res = await fetch(`${one.url}/v1/notifications/tickets`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${await one.token({ tenantId })}` },
      });
      const { ticket } = (await res.json()) as { ticket: string };
      const controller = new AbortController();
      const opened = await fetch(
        `${two.url}/v1/notifications/stream?ticket=${encodeURIComponent(ticket)}`,
        { signal: controller.signal },
      );
      expect(opened.status).toBe(200);
      controller.abort();
    } finally {
      await two.close();
      await one.close();
    }
  });
});
