/**
 * Webhooks on Redis: two instances sharing endpoints, queue and delivery log (one request per
 * attempt, whichever instance sends it); state surviving an instance restart; events appended
 * while no instance dispatched; and the real process SIGKILLed right after answering 202.
 * Skipped when Redis is unreachable (failing under CI).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRedisEventLog, type EventLog } from '@causeflow/bus';
import {
  deleteKeys,
  freePort,
  persistentRedisArgs,
  REDIS_REQUIRED,
  REDIS_URL,
  RedisProcess,
  redisReachable,
  uniquePrefix,
} from '@causeflow/devkit/redis';
import { startReceiver } from '@causeflow/webhooks/testing';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CONFIG_DEFAULTS, type Config } from '../src/config.js';
import { startTestServer, type TestServer } from '../src/testing.js';
import { signToken } from '../src/tokens.js';
import { incidentCreated } from './helpers.js';

const available = await redisReachable(REDIS_URL);
if (!available && REDIS_REQUIRED) throw new Error(`Redis is required under CI (${REDIS_URL})`);

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
});
const prefixes: string[] = [];
afterAll(async () => {
  if (!available) return;
  for (const prefix of prefixes) await deleteKeys(prefix);
});

/** A shared log prefix plus a webhook prefix for one test. */
function prefixPair(): { log: string; webhooks: string } {
  const base = uniquePrefix();
  prefixes.push(base);
  return { log: `${base}log:`, webhooks: `${base}wh:` };
}

const secret = randomBytes(32).toString('base64url');
const webhookConfig = (extra: Partial<Config['webhooks']> = {}): Config['webhooks'] => ({
  ...CONFIG_DEFAULTS.webhooks,
  allowHttp: true,
  allowPrivate: true,
  retrySchedule: [30, 30, 30],
  sweepMs: 60_000,
  ...extra,
});

async function instance(
  prefix: { log: string; webhooks: string },
  extra: Partial<Config['webhooks']> = {},
): Promise<TestServer> {
  const log = createRedisEventLog({ url: REDIS_URL, keyPrefix: prefix.log, retention: 10_000 });
  const server = await startTestServer({
    log,
    jwtSecret: secret,
    webhooks: { keyPrefix: prefix.webhooks },
    config: { bus: 'redis', redisUrl: REDIS_URL, webhooks: webhookConfig(extra) },
  });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await server.close();
    await log.close();
  };
  cleanups.push(close);
  return { ...server, close };
}

const token = (tenantId: string, scope: string) =>
  signToken({ secret, claims: { tenantId, scope } });

async function createEndpoint(
  url: string,
  server: { url: string },
  tenantId: string,
): Promise<{ id: string; secret: string }> {
  const res = await fetch(`${server.url}/v1/webhooks`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${await token(tenantId, 'webhooks:manage')}`,
      'Content-Type': 'application/json',
    },
    body: JSON.stringify({ url }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; secret: string };
}

async function publish(
  server: { url: string },
  tenantId: string,
  events: unknown[],
): Promise<string[]> {
  const res = await fetch(`${server.url}/v1/events`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${await token(tenantId, 'events:publish')}`,
      'Content-Type': 'application/json',
    },
    body: JSON.stringify(events),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { ids: string[] }).ids;
}

async function receiver(respond?: NonNullable<Parameters<typeof startReceiver>[0]>['respond']) {
  const r = await startReceiver(respond === undefined ? {} : { respond });
  cleanups.push(() => r.close());
  return r;
}

async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits until no delivery is pending and both instances' queues are empty. */
async function settled(...servers: TestServer[]): Promise<void> {
  await eventually(async () => {
    const stats = await servers[0]!.app.webhooks.store.stats();
    const depths = await Promise.all(servers.map((s) => s.app.webhooks.queue.depth()));
    return stats.pending === 0 && depths.every((d) => d === 0) ? true : undefined;
  });
}

describe.skipIf(!available)('webhooks on Redis', () => {
  it('two instances share endpoints and send each attempt of each event once', async () => {
    const prefix = prefixPair();
    const [a, b] = [await instance(prefix), await instance(prefix)];
    // Every third event fails its first attempt: attempt 1 and attempt 2 must each be sent once.
    const failsFirst = (body: string) =>
      Number(JSON.parse(body).data.title.split(' ')[1]) % 3 === 0;
    const r: Awaited<ReturnType<typeof receiver>> = await receiver((request) => {
      const sent = r.requests.filter(
        (q) => q.headers['webhook-id'] === request.headers['webhook-id'],
      );
      return { status: failsFirst(request.body) && sent.length === 1 ? 500 : 200 };
    });
    const endpoint = await createEndpoint(r.url, a, 'ten_shared');
    const viaB = await fetch(`${b.url}/v1/webhooks/${endpoint.id}`, {
      headers: { Authorization: `Bearer ${await token('ten_shared', 'webhooks:manage')}` },
    });
    expect(viaB.status).toBe(200);
    const events = Array.from({ length: 60 }, (_, i) => ({
      ...incidentCreated('ten_shared', i + 1),
      id: `evt_two_${i}`,
    }));
    const ids = [
      ...(await publish(a, 'ten_shared', events.slice(0, 30))),
      ...(await publish(b, 'ten_shared', events.slice(30))),
    ];
    await r.waitFor(ids.length, () => true);
    await settled(a, b);
    const perId = new Map<string, number>();
    for (const q of r.requests)
      perId.set(
        String(q.headers['webhook-id']),
        (perId.get(String(q.headers['webhook-id'])) ?? 0) + 1,
      );
    expect([...perId.keys()].sort()).toEqual([...ids].sort());
    for (const [id, n] of perId) {
      const title = Number(
        (events.find((e) => e.id === id)!.data as { title: string }).title.split(' ')[1],
      );
      expect(n, id).toBe(title % 3 === 0 ? 2 : 1);
    }
  });

  it("sends nothing again when another instance's late pump goes over events already delivered", async () => {
    const prefix = prefixPair();
    const [a, b] = [await instance(prefix), await instance(prefix)];
    const r = await receiver();
    await createEndpoint(r.url, a, 'ten_late');
    const ids = await publish(
      a,
      'ten_late',
      Array.from({ length: 20 }, () => incidentCreated('ten_late')),
    );
    await r.waitFor(ids.length);
    await settled(a, b);
    // A pump that read the page late: the checkpoint is gone, so B reads every event again.
    const redis = new Redis(REDIS_URL);
    await redis.del(`${prefix.webhooks}{ten_late}:checkpoint`);
    redis.disconnect();
    b.app.webhooks.dispatcher.trigger('ten_late');
    await b.app.webhooks.dispatcher.idle();
    await settled(a, b);
    expect(r.requests).toHaveLength(ids.length);
  });

  it('keeps endpoints and the delivery log across an instance restart', async () => {
    const prefix = prefixPair();
    const a = await instance(prefix);
    const r = await receiver();
    const endpoint = await createEndpoint(r.url, a, 'ten_restart');
    await publish(a, 'ten_restart', [incidentCreated('ten_restart')]);
    await r.waitFor(1);
    await settled(a);
    await a.close();
    const b = await instance(prefix);
    const res = await fetch(`${b.url}/v1/webhooks/${endpoint.id}/deliveries`, {
      headers: { Authorization: `Bearer ${await token('ten_restart', 'webhooks:manage')}` },
    });
    const body = (await res.json()) as { deliveries: { status: string }[] };
    expect(body.deliveries.map((d) => d.status)).toEqual(['succeeded']);
  });

  it('delivers events that were appended while no instance was dispatching, once one starts', async () => {
    const prefix = prefixPair();
    const a = await instance(prefix);
    const r = await receiver();
    await createEndpoint(r.url, a, 'ten_resume');
    await a.close();
    const producer: EventLog = createRedisEventLog({ url: REDIS_URL, keyPrefix: prefix.log });
    const stored = await producer.append(
      Array.from({ length: 25 }, () => incidentCreated('ten_resume')),
    );
    await producer.close();
    expect(r.requests).toHaveLength(0);
    const b = await instance(prefix);
    const requests = await r.waitFor(25);
    expect(new Set(requests.map((q) => q.headers['webhook-id']))).toEqual(
      new Set(stored.map((s) => s.event.id)),
    );
    await settled(b);
    expect(r.requests).toHaveLength(25);
  });
});

describe.skipIf(!available)('shutdown with deliveries in flight', () => {
  it('finishes an attempt in flight and hands queued retries to the next instance: none lost, none stuck', async () => {
    const prefix = prefixPair();
    const a = await instance(prefix, { retrySchedule: [300, 300] });
    let release: (() => void) | undefined;
    const inFlight = new Promise<void>((resolve) => {
      release = resolve;
    });
    const r = await receiver((request, index) => {
      if (index === 0) release?.();
      const title = (JSON.parse(request.body) as { data: { title: string } }).data.title;
      if (title === 'slow') return { delayMs: 400 };
      const sent = r.requests.filter(
        (q) => q.headers['webhook-id'] === request.headers['webhook-id'],
      );
      return { status: sent.length === 1 ? 500 : 200 };
    });
    const endpoint = await createEndpoint(r.url, a, 'ten_drain');
    const slow = {
      ...incidentCreated('ten_drain'),
      data: { ...incidentCreated('ten_drain').data, title: 'slow' },
    };
    const [slowId] = await publish(a, 'ten_drain', [slow]);
    await inFlight;
    const [retriedId] = await publish(a, 'ten_drain', [incidentCreated('ten_drain')]);
    await r.waitFor(1, (q) => q.headers['webhook-id'] === retriedId);
    await a.close();
    const mid = await fetch(
      `${(await instance(prefix, { retrySchedule: [300, 300] })).url}/v1/webhooks/${endpoint.id}/deliveries`,
      {
        headers: { Authorization: `Bearer ${await token('ten_drain', 'webhooks:manage')}` },
      },
    );
    const log = (await mid.json()) as {
      deliveries: { eventId: string; status: string; attempts: unknown[] }[];
    };
    expect(log.deliveries.find((d) => d.eventId === slowId)).toMatchObject({ status: 'succeeded' });
    await r.waitFor(2, (q) => q.headers['webhook-id'] === retriedId);
  });
});

// ---------------------------------------------------------------------------------------------
// The real process, SIGKILLed right after answering 202.

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

function spawnServer(env: Record<string, string>): { child: ChildProcess; output: () => string } {
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      SIMULATE: '0',
      DOCS_DIR: 'off',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  });
  return { child, output: () => output };
}

async function listening(url: string, child: ChildProcess, output: () => string): Promise<void> {
  await eventually(async () => {
    if (child.exitCode !== null) throw new Error(`server exited:\n${output()}`);
    try {
      return (await fetch(`${url}/healthz`)).ok ? true : undefined;
    } catch {
      return undefined;
    }
  }, 30_000);
}

/** A private `redis-server` with an fsync-always AOF in a temp dir, removed after the test. */
async function privateRedis(): Promise<RedisProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'cf-wh-redis-'));
  const redis = new RedisProcess(await freePort(), persistentRedisArgs(dir));
  await redis.start();
  cleanups.push(async () => {
    await redis.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  return redis;
}

describe.skipIf(!available)('a Redis restart (with persistence)', () => {
  it('keeps endpoints and pending deliveries: everything arrives once the receiver is back', async () => {
    const redis = await privateRedis();
    const log = createRedisEventLog({ url: redis.url, retention: 10_000 });
    const server = await startTestServer({
      log,
      jwtSecret: secret,
      config: {
        bus: 'redis',
        redisUrl: redis.url,
        webhooks: webhookConfig({ retrySchedule: Array(20).fill(200) }),
      },
    });
    cleanups.push(async () => {
      await server.close();
      await log.close();
    });
    const r = await receiver();
    await createEndpoint(r.url, server, 'ten_redis');
    await r.stop();
    const ids = await publish(
      server,
      'ten_redis',
      Array.from({ length: 20 }, () => incidentCreated('ten_redis')),
    );
    await eventually(async () =>
      (await server.app.webhooks.store.stats()).pending === 20 ? true : undefined,
    );
    await redis.stop('SIGKILL');
    await redis.start();
    await r.listen();
    await eventually(
      async () =>
        new Set(r.requests.map((q) => q.headers['webhook-id'])).size === ids.length
          ? true
          : undefined,
      60_000,
    );
    expect(new Set(r.requests.map((q) => q.headers['webhook-id']))).toEqual(new Set(ids));
  }, 90_000);
});

describe.skipIf(!available)('an instance SIGKILLed right after 202', () => {
  it('loses no accepted event: another instance started afterwards delivers every one', async () => {
    const redis = await privateRedis();
    const r = await receiver();
    const env = {
      JWT_SECRET: secret,
      BUS: 'redis',
      REDIS_URL: redis.url,
      WEBHOOK_ALLOW_HTTP: '1',
      WEBHOOK_ALLOW_PRIVATE: '1',
      WEBHOOK_RETRY_SCHEDULE: '50ms,100ms,200ms',
    };
    const portA = await freePort();
    const a = spawnServer({ ...env, PORT: String(portA) });
    const urlA = `http://127.0.0.1:${portA}`;
    await listening(urlA, a.child, a.output);
    await createEndpoint(r.url, { url: urlA }, 'ten_kill');
    const events = Array.from({ length: 300 }, () => incidentCreated('ten_kill'));
    const res = await fetch(`${urlA}/v1/events`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${await token('ten_kill', 'events:publish')}`,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify(events),
    });
    a.child.kill('SIGKILL');
    expect(res.status).toBe(202);
    const { ids } = (await res.json()) as { ids: string[] };
    await once(a.child, 'exit');
    const deliveredBeforeRestart = new Set(r.requests.map((q) => q.headers['webhook-id'])).size;
    const portB = await freePort();
    const b = spawnServer({ ...env, PORT: String(portB) });
    await listening(`http://127.0.0.1:${portB}`, b.child, b.output);
    await eventually(
      async () =>
        new Set(r.requests.map((q) => q.headers['webhook-id'])).size >= ids.length
          ? true
          : undefined,
      60_000,
    );
    const delivered = new Set(r.requests.map((q) => String(q.headers['webhook-id'])));
    expect(ids.filter((id) => !delivered.has(id))).toEqual([]);
    expect(deliveredBeforeRestart).toBeLessThan(ids.length);
  }, 120_000);
});
