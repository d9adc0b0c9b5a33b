import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  CuttableProxy,
  freePort,
  persistentRedisArgs,
  RedisProcess,
  redisServerForTests,
} from '../test/support/redis.js';
import { sampleEvents } from './conformance.js';
import { BusUnavailableError } from './errors.js';
import { createRedisEventLog } from './redis.js';
import type { BusLogger, EventLog, StoredEvent } from './types.js';

const available = await redisServerForTests('Redis fault tests');

const WAIT = { timeout: 10_000, interval: 20 };

function recordingLogger(): BusLogger & { lines: string[] } {
  const lines: string[] = [];
  const record = (_obj: object, msg?: string) => {
    lines.push(msg ?? '');
  };
  return { lines, info: record, warn: record, error: record };
}

describe.skipIf(!available)('Redis event log under faults (own redis-server)', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function open(url: string, logger?: BusLogger): EventLog {
    const log = createRedisEventLog({
      url,
      keyPrefix: 'faults:',
      logger,
      redis: { retryStrategy: () => 50 },
      // Far beyond the test timeout: an append that waited for Redis instead of failing fast
      // would make its test time out (no wall-clock bound needed).
      connectTimeoutMs: 60_000,
    });
    cleanups.push(() => log.close());
    return log;
  }

  async function server(args?: string[]): Promise<RedisProcess> {
    const redis = new RedisProcess(await freePort(), args);
    cleanups.push(() => redis.stop());
    return redis;
  }

  function collect(log: EventLog): StoredEvent[] {
    const received: StoredEvent[] = [];
    log.subscribe((e) => received.push(e));
    return received;
  }

  const ids = (events: readonly StoredEvent[]) => events.map((e) => e.event.id);

  it('starts while Redis is down, fails appends fast, and works once Redis is up', async () => {
    const redis = await server();
    const logger = recordingLogger();
    const log = open(redis.url, logger);
    await vi.waitFor(() => expect(logger.lines).toContain('redis connection lost; retrying'), WAIT);
    expect(await log.isReady()).toBe(false);
    // Fast = without waiting for Redis: both settle while it is still down (it starts only below).
    await expect(log.append(sampleEvents('ten_a', 1))).rejects.toBeInstanceOf(BusUnavailableError);
    await expect(log.readAfter('ten_a', null, 10)).rejects.toBeInstanceOf(BusUnavailableError);
    expect(await log.isReady()).toBe(false);

    await redis.start();
    await vi.waitFor(async () => expect(await log.isReady()).toBe(true), WAIT);
    const received = collect(log);
    const stored = await log.append(sampleEvents('ten_a', 2));
    await vi.waitFor(() => expect(ids(received)).toEqual(ids(stored)), WAIT);
  });

  it('survives a Redis crash without persistence: fails fast, then resumes with a new epoch', async () => {
    const redis = await server();
    await redis.start();
    const producer = open(redis.url);
    const consumer = open(redis.url);
    const received = collect(consumer);
    await vi.waitFor(async () => expect(await consumer.isReady()).toBe(true), WAIT);
    const [first] = await producer.append(sampleEvents('ten_a', 1));
    await vi.waitFor(() => expect(ids(received)).toEqual([first!.event.id]), WAIT);

    await redis.stop('SIGKILL');
    await vi.waitFor(async () => expect(await producer.isReady()).toBe(false), WAIT);
    expect(await consumer.isReady()).toBe(false);
    // Fast = without waiting for Redis: it settles while Redis is still down (restarted below).
    const error = await producer.append(sampleEvents('ten_a', 1)).catch((e) => e);
    expect(error).toBeInstanceOf(BusUnavailableError);
    expect(await producer.isReady()).toBe(false);

    await redis.start();
    await vi.waitFor(async () => expect(await producer.isReady()).toBe(true), WAIT);
    await vi.waitFor(async () => expect(await consumer.isReady()).toBe(true), WAIT);
    // Redis forgot everything: the old cursor must not silently resume.
    expect((await producer.readAfter('ten_a', first!.cursor, 10)).status).toBe('unknown_cursor');
    const after = await producer.append(sampleEvents('ten_a', 2));
    expect(after[0]!.cursor.split('.')[0]).not.toBe(first!.cursor.split('.')[0]);
    await vi.waitFor(() => expect(ids(received)).toEqual(ids([first!, ...after])), WAIT);
  });

  it('stores a batch once when the producer retries it after its reply was lost', async () => {
    const redis = await server();
    await redis.start();
    const proxy = new CuttableProxy(await freePort(), redis.port);
    await proxy.open();
    cleanups.push(() => proxy.cut());
    const producer = open(proxy.url);
    const consumer = open(redis.url);
    const received = collect(consumer);
    await vi.waitFor(async () => expect(await producer.isReady()).toBe(true), WAIT);
    await vi.waitFor(async () => expect(await consumer.isReady()).toBe(true), WAIT);
    const batch = sampleEvents('ten_lost', 3).map((e, i) => ({ ...e, id: `evt_lost_${i}` }));

    proxy.losing = true;
    const error = await producer.append(batch).catch((e: unknown) => e);
    proxy.losing = false;
    expect(error).toBeInstanceOf(BusUnavailableError);
    // The first attempt was applied although the producer could not know.
    await vi.waitFor(() => expect(ids(received)).toEqual(batch.map((e) => e.id)), WAIT);

    await vi.waitFor(async () => expect(await producer.isReady()).toBe(true), WAIT);
    const retried = await producer.append(batch);
    expect(ids(retried)).toEqual(batch.map((e) => e.id));
    const read = await consumer.readAfter('ten_lost', null, 10);
    expect(read.status === 'ok' && read.events.map((e) => e.cursor)).toEqual(
      retried.map((e) => e.cursor),
    );
    // A later event is delivered right after the batch: nothing of the retry was delivered again.
    const [next] = await producer.append(sampleEvents('ten_lost', 1, 3));
    await vi.waitFor(() => expect(ids(received)).toContain(next!.event.id), WAIT);
    expect(received.map((e) => e.cursor)).toEqual([...retried, next!].map((e) => e.cursor));
  });

  it('with persistence, delivers what was appended while a subscriber was cut off, once, in order', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'causeflow-redis-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const redis = await server(persistentRedisArgs(dir));
    await redis.start();
    const proxy = new CuttableProxy(await freePort(), redis.port);
    await proxy.open();
    cleanups.push(() => proxy.cut());
    const producer = open(redis.url);
    const consumer = open(proxy.url);
    const received = collect(consumer);
    await vi.waitFor(async () => expect(await consumer.isReady()).toBe(true), WAIT);
    const [first] = await producer.append(sampleEvents('ten_a', 1));
    await vi.waitFor(() => expect(ids(received)).toEqual([first!.event.id]), WAIT);

    // The subscriber's instance loses Redis; Redis itself crashes and comes back with its data.
    await proxy.cut();
    await redis.stop('SIGKILL');
    await redis.start();
    await vi.waitFor(async () => expect(await producer.isReady()).toBe(true), WAIT);
    const missed = [
      ...(await producer.append(sampleEvents('ten_a', 2))),
      ...(await producer.append(sampleEvents('ten_a', 1, 2))),
    ];
    const resumed = await producer.readAfter('ten_a', first!.cursor, 10);
    expect(resumed.status === 'ok' && ids(resumed.events)).toEqual(ids(missed));
    expect(ids(received)).toEqual([first!.event.id]);

    await proxy.open();
    await vi.waitFor(() => expect(ids(received)).toEqual(ids([first!, ...missed])), WAIT);
    const [live] = await producer.append(sampleEvents('ten_a', 1, 3));
    await vi.waitFor(() => expect(ids(received)).toEqual(ids([first!, ...missed, live!])), WAIT);
    expect(received.map((e) => e.cursor)).toEqual([first!, ...missed, live!].map((e) => e.cursor));
  });

  it('delivers, once and in order, the events of a tenant it never saw that were appended while its subscriber was cut off', async () => {
    const redis = await server();
    await redis.start();
    const proxy = new CuttableProxy(await freePort(), redis.port);
    await proxy.open();
    cleanups.push(() => proxy.cut());
    const producer = open(redis.url);
    // Appended before the consumer exists: never to be delivered to it.
    await producer.append(sampleEvents('ten_before', 2));
    const consumer = open(proxy.url);
    const received = collect(consumer);
    await vi.waitFor(async () => expect(await consumer.isReady()).toBe(true), WAIT);
    const [known] = await producer.append(sampleEvents('ten_known', 1));
    await vi.waitFor(() => expect(ids(received)).toEqual([known!.event.id]), WAIT);

    // Partial partition: the consumer's instance loses Redis, the producer's does not.
    await proxy.cut();
    await vi.waitFor(async () => expect(await consumer.isReady()).toBe(false), WAIT);
    const missed = [
      ...(await producer.append(sampleEvents('ten_new', 2))),
      ...(await producer.append([
        ...sampleEvents('ten_new', 1, 2),
        ...sampleEvents('ten_before', 1, 2),
      ])),
    ];
    expect(ids(received)).toEqual([known!.event.id]);

    await proxy.open();
    await vi.waitFor(() => expect(received).toHaveLength(1 + missed.length), WAIT);
    const [live] = await producer.append(sampleEvents('ten_new', 1, 3));
    await vi.waitFor(() => expect(received).toHaveLength(2 + missed.length), WAIT);
    const want = [...missed, live!];
    for (const tenant of ['ten_new', 'ten_before']) {
      expect(
        received.filter((e) => e.event.tenantId === tenant).map((e) => e.cursor),
        tenant,
      ).toEqual(want.filter((e) => e.event.tenantId === tenant).map((e) => e.cursor));
    }
    expect(new Set(ids(received)).size).toBe(received.length);
  });

  it('after a subscriber outage, catches up every page (more than 500 events per tenant), each event once', async () => {
    const redis = await server();
    await redis.start();
    const proxy = new CuttableProxy(await freePort(), redis.port);
    await proxy.open();
    cleanups.push(() => proxy.cut());
    const producer = open(redis.url);
    const consumer = open(proxy.url);
    const received = collect(consumer);
    await vi.waitFor(async () => expect(await consumer.isReady()).toBe(true), WAIT);
    const [known] = await producer.append(sampleEvents('ten_a', 1));
    await vi.waitFor(() => expect(ids(received)).toEqual([known!.event.id]), WAIT);

    await proxy.cut();
    await vi.waitFor(async () => expect(await consumer.isReady()).toBe(false), WAIT);
    // A tenant it delivered before (catch-up) and one it never saw (discovery), each over two
    // catch-up pages of 500.
    const missed: StoredEvent[] = [];
    for (let i = 0; i < 12; i++)
      missed.push(...(await producer.append(sampleEvents('ten_a', 100, i))));
    for (let i = 0; i < 7; i++)
      missed.push(...(await producer.append(sampleEvents('ten_new', 100, i))));
    expect(received).toHaveLength(1);

    await proxy.open();
    // Everything arrives from the catch-up alone: no later append is needed to reveal a gap.
    await vi.waitFor(() => expect(received).toHaveLength(1 + missed.length), WAIT);
    const [sentinel] = await producer.append(sampleEvents('ten_a', 1, 5));
    await vi.waitFor(() => expect(ids(received)).toContain(sentinel!.event.id), WAIT);
    const want = [known!, ...missed, sentinel!];
    expect(received).toHaveLength(want.length);
    for (const tenant of ['ten_a', 'ten_new']) {
      expect(
        received.filter((e) => e.event.tenantId === tenant).map((e) => e.cursor),
        tenant,
      ).toEqual(want.filter((e) => e.event.tenantId === tenant).map((e) => e.cursor));
    }
  });

  it('joins catch-up and live delivery without gap or duplicate while appends keep coming', async () => {
    const redis = await server();
    await redis.start();
    const proxy = new CuttableProxy(await freePort(), redis.port);
    await proxy.open();
    cleanups.push(() => proxy.cut());
    const producer = open(redis.url);
    const logger = recordingLogger();
    const consumer = open(proxy.url, logger);
    const received = collect(consumer);
    await vi.waitFor(async () => expect(await consumer.isReady()).toBe(true), WAIT);
    const appended: StoredEvent[] = [];
    appended.push(...(await producer.append(sampleEvents('ten_a', 1))));
    appended.push(...(await producer.append(sampleEvents('ten_b', 1))));
    await vi.waitFor(() => expect(received).toHaveLength(2), WAIT);

    await proxy.cut();
    for (let i = 0; i < 5; i++) {
      appended.push(
        ...(await producer.append([
          ...sampleEvents('ten_a', 2, i),
          ...sampleEvents('ten_b', 1, i),
        ])),
      );
    }
    expect(received).toHaveLength(2);
    const reopening = proxy.open();
    for (let i = 0; i < 40; i++) {
      appended.push(...(await producer.append(sampleEvents(i % 2 ? 'ten_a' : 'ten_b', 1, i))));
      if (i % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await reopening;
    await vi.waitFor(() => expect(received).toHaveLength(appended.length), WAIT);
    for (const tenant of ['ten_a', 'ten_b']) {
      const want = appended.filter((e) => e.event.tenantId === tenant).map((e) => e.cursor);
      expect(received.filter((e) => e.event.tenantId === tenant).map((e) => e.cursor)).toEqual(
        want,
      );
    }
    expect(new Set(ids(received)).size).toBe(appended.length);
    expect(logger.lines).toContain('redis fan-out resubscribed; catching up');
  });
});
