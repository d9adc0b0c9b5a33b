/**
 * Faults: Redis killed and restarted under load, a server instance SIGKILLed with thousands of
 * clients on it (a reconnect storm onto another instance), a SIGTERM drain. At-least-once
 * producers and resuming consumers must end with nothing lost and nothing duplicated.
 */
import { randomBytes } from 'node:crypto';
import { signToken } from '@causeflow/stream-server';
import { afterAll, describe, expect, it } from 'vitest';
import { publishWithRetry, type TaggedEvent, tenantTraffic } from '../src/events.js';
import { report } from '../src/figures.js';
import { mapLimit, sleep, until } from '../src/net.js';
import {
  type RedisProcess,
  type ServerProcess,
  startRedis,
  startServerProcess,
} from '../src/process.js';
import { sized } from '../src/scale.js';
import { Follower } from '../src/sse.js';

const secret = randomBytes(32).toString('base64url');
const sign = (claims: Parameters<typeof signToken>[0]['claims']) => signToken({ secret, claims });
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
});

async function redisServer(redis: RedisProcess): Promise<ServerProcess> {
  const server = await startServerProcess({
    env: {
      JWT_SECRET: secret,
      BUS: 'redis',
      REDIS_URL: redis.url,
      RETENTION: '200000',
      DRAIN_TIMEOUT_MS: '3000',
      HEARTBEAT_MS: '2000',
    },
  });
  cleanup.push(() => server.kill());
  return server;
}

/** Publishes each tenant's traffic in small batches (retrying, same ids) until `stop()`. */
function startPublishing(options: {
  urls: () => readonly string[];
  tenants: readonly string[];
  batch: number;
  pauseMs: number;
  seed: number;
}) {
  const acked = new Map<string, TaggedEvent[]>(options.tenants.map((t) => [t, []]));
  let stopped = false;
  let retries = 0;
  let lastAckAt = 0;
  const loops = options.tenants.map(async (tenantId, index) => {
    const next = tenantTraffic({
      tenantId,
      seed: options.seed + index,
      idPrefix: `evt_f${options.seed}_${index}`,
    });
    const token = await sign({ tenantId, scope: 'events:publish' });
    while (!stopped) {
      const events = Array.from({ length: options.batch }, next);
      const { attempts } = await publishWithRetry({
        urls: options.urls(),
        token,
        events,
        deadline: Date.now() + 30_000,
      });
      retries += attempts - 1;
      lastAckAt = Date.now();
      acked.get(tenantId)!.push(...events);
      await sleep(options.pauseMs);
    }
  });
  return {
    acked,
    lastAckAt: () => lastAckAt,
    retries: () => retries,
    total: () => [...acked.values()].reduce((n, l) => n + l.length, 0),
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

/** Waits for every follower to hold every acked event of its tenant; returns lost/duplicates. */
async function settle(
  followers: readonly Follower[],
  acked: Map<string, TaggedEvent[]>,
  timeoutMs: number,
) {
  await until(
    () => followers.every((f) => acked.get(f.tenantId)!.every((e) => f.idSet.has(e.id))),
    {
      timeoutMs,
      intervalMs: 100,
      what: 'followers to receive every acknowledged event',
    },
  ).catch(() => undefined);
  let lost = 0;
  let duplicates = 0;
  let redeliveries = 0;
  let resets = 0;
  let expected = 0;
  for (const f of followers) {
    redeliveries += f.redeliveries;
    const want = acked.get(f.tenantId)!;
    expected += want.length;
    lost += want.filter((e) => !f.idSet.has(e.id)).length;
    duplicates += f.duplicates;
    resets += f.resets;
  }
  return { lost, duplicates, redeliveries, resets, expected };
}

describe('faults', () => {
  it(
    'loses nothing acknowledged when Redis (AOF) is killed and restarted while publishing and streaming',
    async ({ task }) => {
      const redis = await startRedis({ appendOnly: true });
      cleanup.push(() => redis.stop());
      const [a, b] = [await redisServer(redis), await redisServer(redis)];
      const tenants = ['ten_r1', 'ten_r2', 'ten_r3', 'ten_r4'];
      const followers: Follower[] = [];
      for (let i = 0; i < sized(12, 40); i++) {
        const tenantId = tenants[i % tenants.length]!;
        const urls = i % 2 === 0 ? [a.url, b.url] : [b.url, a.url];
        followers.push(
          new Follower({
            urls,
            tenantId,
            token: await sign({ tenantId, scope: 'events:read' }),
            retryMs: 100,
          }),
        );
      }
      await Promise.all(followers.map((f) => f.start()));
      const publishing = startPublishing({
        urls: () => [a.url, b.url],
        tenants,
        batch: 5,
        pauseMs: 20,
        seed: 100,
      });
      await sleep(sized(1500, 5000));
      const beforeKill = publishing.total();
      await redis.kill();
      const killedAt = Date.now();
      await sleep(1000);
      await redis.restart();
      const restartedAt = Date.now();
      await until(() => publishing.lastAckAt() > restartedAt, {
        timeoutMs: 30_000,
        what: 'a publish to succeed after the restart',
      });
      const publishRecoveredMs = publishing.lastAckAt() - restartedAt;
      await sleep(sized(1500, 5000));
      await publishing.stop();
      const result = await settle(followers, publishing.acked, sized(30_000, 120_000));
      await Promise.all(followers.map((f) => f.stop()));
      report(
        { task },
        {
          check: 'Faults',
          name: 'Redis SIGKILL + restart (AOF)',
          summary: `${publishing.total()} events acked (${beforeKill} before the kill), ${result.lost} lost, ${result.redeliveries} redelivered, ${result.duplicates - result.redeliveries} duplicate appends of a retried batch (same id, new cursor; ${publishing.retries()} retries), ${result.resets} resets; publishing recovered ${publishRecoveredMs} ms after the restart (${restartedAt - killedAt} ms down)`,
          data: {
            ...result,
            acked: publishing.total(),
            beforeKill,
            retries: publishing.retries(),
            publishRecoveredMs,
            downMs: restartedAt - killedAt,
            followers: followers.length,
          },
        },
      );
      expect(result.lost).toBe(0);
      // A retried batch whose first attempt reached Redis before the crash is appended twice (the
      // log does not de-duplicate by id; consumers can, by id). The server itself must never send
      // one log entry twice.
      expect(result.redeliveries).toBe(0);
      expect(result.resets).toBe(0);
    },
    sized(90_000, 600_000),
  );

  it(
    'moves every client of a SIGKILLed instance to another one with Last-Event-ID (a reconnect storm), losing nothing',
    async ({ task }) => {
      const redis = await startRedis({ appendOnly: false });
      cleanup.push(() => redis.stop());
      const [victim, survivor] = [await redisServer(redis), await redisServer(redis)];
      const tenants = Array.from({ length: 10 }, (_, i) => `ten_s${i}`);
      const clients = sized(300, 2000);
      const followers = await mapLimit(
        Array.from({ length: clients }, (_, i) => i),
        50,
        async (i) => {
          const tenantId = tenants[i % tenants.length]!;
          const f = new Follower({
            urls: [victim.url, survivor.url],
            tenantId,
            token: await sign({ tenantId, scope: 'events:read' }),
            retryMs: 50,
          });
          await f.start();
          return f;
        },
      );
      const publishing = startPublishing({
        urls: () => [survivor.url],
        tenants,
        batch: 5,
        pauseMs: 50,
        seed: 200,
      });
      await sleep(1000);
      await victim.kill('SIGKILL');
      const killedAt = Date.now();
      await until(() => followers.every((f) => f.open && (f.lastOpenAt ?? 0) > killedAt), {
        timeoutMs: sized(30_000, 120_000),
        intervalMs: 50,
        what: 'every client to reconnect',
      }).catch(() => undefined);
      const reconnected = followers.filter((f) => f.open && (f.lastOpenAt ?? 0) > killedAt).length;
      const recoverMs = Math.max(...followers.map((f) => (f.lastOpenAt ?? killedAt) - killedAt));
      await sleep(1000);
      await publishing.stop();
      const result = await settle(followers, publishing.acked, sized(30_000, 120_000));
      await Promise.all(followers.map((f) => f.stop()));
      report(
        { task },
        {
          check: 'Faults',
          name: 'instance SIGKILL + reconnect storm',
          summary: `${reconnected}/${clients} clients moved to the survivor within ${(recoverMs / 1000).toFixed(1)} s; ${result.lost} lost, ${result.duplicates} duplicates, ${result.resets} resets (${publishing.total()} events)`,
          data: { ...result, clients, reconnected, recoverMs, acked: publishing.total() },
        },
      );
      expect(reconnected).toBe(clients);
      expect(result.lost).toBe(0);
      expect(result.duplicates).toBe(0);
      expect(result.resets).toBe(0);
    },
    sized(120_000, 600_000),
  );

  it(
    'drains on SIGTERM: streams close, the process exits in bounded time, clients resume elsewhere without loss',
    async ({ task }) => {
      const redis = await startRedis({ appendOnly: false });
      cleanup.push(() => redis.stop());
      const [draining, survivor] = [await redisServer(redis), await redisServer(redis)];
      const tenants = ['ten_d1', 'ten_d2', 'ten_d3'];
      const clients = sized(60, 300);
      const followers = await mapLimit(
        Array.from({ length: clients }, (_, i) => i),
        30,
        async (i) => {
          const tenantId = tenants[i % tenants.length]!;
          const f = new Follower({
            urls: [draining.url, survivor.url],
            tenantId,
            token: await sign({ tenantId, scope: 'events:read' }),
            retryMs: 50,
          });
          await f.start();
          return f;
        },
      );
      const publishing = startPublishing({
        urls: () => [survivor.url],
        tenants,
        batch: 5,
        pauseMs: 30,
        seed: 300,
      });
      await sleep(800);
      const termAt = Date.now();
      draining.child.kill('SIGTERM');
      const exit = await draining.exited;
      const exitMs = Date.now() - termAt;
      await until(() => followers.every((f) => f.open && (f.lastOpenAt ?? 0) > termAt), {
        timeoutMs: 20_000,
        what: 'clients to resume',
      }).catch(() => undefined);
      const moved = followers.filter((f) => f.open && (f.lastOpenAt ?? 0) > termAt).length;
      await sleep(800);
      await publishing.stop();
      const result = await settle(followers, publishing.acked, 30_000);
      await Promise.all(followers.map((f) => f.stop()));
      report(
        { task },
        {
          check: 'Faults',
          name: 'SIGTERM drain',
          summary: `exit code ${exit.code} after ${exitMs} ms; ${moved}/${clients} clients resumed elsewhere; ${result.lost} lost, ${result.duplicates} duplicates`,
          data: {
            ...result,
            exitCode: exit.code,
            signal: exit.signal,
            exitMs,
            clients,
            moved,
            acked: publishing.total(),
          },
        },
      );
      expect(exit.code).toBe(0);
      expect(exitMs).toBeLessThan(6000);
      expect(moved).toBe(clients);
      expect(result.lost).toBe(0);
      expect(result.duplicates).toBe(0);
    },
    sized(90_000, 600_000),
  );
});
