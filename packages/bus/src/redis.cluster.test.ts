import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RedisClusterProcess, redisServerForTests, uniquePrefix } from '../test/support/redis.js';
import { describeEventLogConformance, sampleEvents } from './conformance.js';
import { BusUnavailableError, PartialAppendError } from './errors.js';
import { createRedisEventLog, type RedisEventLogOptions } from './redis.js';
import type { EventLog, StoredEvent } from './types.js';

const available = await redisServerForTests('Redis Cluster tests');

const WAIT = { timeout: 10_000, interval: 20 };

describe.skipIf(!available)('Redis event log on a Redis Cluster (3 local masters)', () => {
  const cluster = new RedisClusterProcess(3);
  beforeAll(() => cluster.start(), 30_000);
  afterAll(() => cluster.stop());

  function open(options: RedisEventLogOptions = {}): EventLog {
    return createRedisEventLog({
      keyPrefix: uniquePrefix(),
      ...options,
      cluster: { nodes: cluster.nodes },
    });
  }

  // The cluster is thrown away at the end, so no key cleanup per log.
  describeEventLogConformance('redis cluster', ({ retention }) => open({ retention }));

  describe('cluster specifics', () => {
    const logs: EventLog[] = [];
    const track = (log: EventLog) => {
      logs.push(log);
      return log;
    };
    afterAll(async () => {
      await Promise.all(logs.map((l) => l.close()));
    });

    /** The cluster node (host:port) serving each tenant's keys. */
    function nodesOf(prefix: string, tenants: readonly string[]): Promise<string[]> {
      return nodesOfKeys(tenants.map((tenant) => `${prefix}{${tenant}}:events`));
    }

    /** The cluster node (host:port) serving each key. */
    async function nodesOfKeys(keys: readonly string[]): Promise<string[]> {
      const seed = new Redis(cluster.nodes[cluster.nodes.length - 1]!.port, '127.0.0.1');
      try {
        const slots = await seed.cluster('SLOTS');
        const owners: string[] = [];
        for (const key of keys) {
          const slot = Number(await seed.cluster('KEYSLOT', key));
          const [, , primary] = slots.find(([from, to]) => slot >= from && slot <= to) ?? [];
          owners.push(primary ? `${primary[0]}:${primary[1]}` : 'none');
        }
        return owners;
      } finally {
        seed.disconnect();
      }
    }

    it('appends a batch spanning tenants on different nodes, each tenant in order, and fans it out', async () => {
      const keyPrefix = uniquePrefix();
      const tenants = ['ten_a', 'ten_b', 'ten_c', 'ten_d', 'ten_e', 'ten_f'];
      const owners = await nodesOf(keyPrefix, tenants);
      expect(new Set(owners).size).toBeGreaterThan(1);
      const producer = track(open({ keyPrefix }));
      const consumer = track(open({ keyPrefix }));
      const received: StoredEvent[] = [];
      consumer.subscribe((e) => received.push(e));
      await vi.waitFor(async () => expect(await consumer.isReady()).toBe(true), WAIT);

      const batch = [
        ...tenants.flatMap((t, i) => sampleEvents(t, 2, i)),
        ...tenants.flatMap((t, i) => sampleEvents(t, 1, i + 2)),
      ];
      const stored = await producer.append(batch);
      expect(stored.map((e) => e.event.tenantId)).toEqual(batch.map((e) => e.tenantId));
      for (const tenant of tenants) {
        const mine = stored.filter((e) => e.event.tenantId === tenant);
        const read = await consumer.readAfter(tenant, null, 10);
        expect(read.status === 'ok' && read.events.map((e) => e.cursor)).toEqual(
          mine.map((e) => e.cursor),
        );
      }
      await vi.waitFor(() => expect(received).toHaveLength(stored.length), WAIT);
      for (const tenant of tenants) {
        expect(received.filter((e) => e.event.tenantId === tenant).map((e) => e.cursor)).toEqual(
          stored.filter((e) => e.event.tenantId === tenant).map((e) => e.cursor),
        );
      }
    });

    it('indexes every tenant of a batch in the cluster-wide tenant set', async () => {
      const keyPrefix = uniquePrefix();
      const log = track(open({ keyPrefix }));
      await log.append([...sampleEvents('ten_x', 1), ...sampleEvents('ten_y', 1)]);
      const [owner] = await nodesOfKeys([`${keyPrefix}tenants`]);
      const node = new Redis(`redis://${owner}`);
      try {
        expect((await node.zrange(`${keyPrefix}tenants`, 0, -1)).sort()).toEqual([
          'ten_x',
          'ten_y',
        ]);
      } finally {
        node.disconnect();
      }
    });

    // The last two tests crash nodes: first the one every subscriber starts on, then another one.
    it('moves its subscriber to another node when its node dies and delivers what it missed', async () => {
      const first = `127.0.0.1:${cluster.nodes[0]!.port}`;
      let keyPrefix = uniquePrefix();
      for (let i = 0; i < 50 && (await nodesOfKeys([`${keyPrefix}tenants`]))[0] === first; i++) {
        keyPrefix = uniquePrefix();
      }
      const tenants = ['ten_a', 'ten_b', 'ten_c', 'ten_d', 'ten_e', 'ten_f', 'ten_g', 'ten_h'];
      const owners = await nodesOf(keyPrefix, tenants);
      const alive = tenants.filter((_, i) => owners[i] !== first);
      expect(alive.length).toBeGreaterThan(1);
      const producer = track(open({ keyPrefix }));
      const consumer = track(open({ keyPrefix }));
      const received: StoredEvent[] = [];
      consumer.subscribe((e) => received.push(e));
      await vi.waitFor(async () => expect(await consumer.isReady()).toBe(true), WAIT);
      const [known] = await producer.append(sampleEvents(alive[0]!, 1));
      await vi.waitFor(() => expect(received).toHaveLength(1), WAIT);

      await cluster.kill(cluster.nodes[0]!.port);
      // Appended at once, before the subscriber has moved: only the discovery can deliver these.
      const missed = await producer.append([
        ...sampleEvents(alive[0]!, 1, 1),
        ...sampleEvents(alive[1]!, 2, 1),
      ]);
      await vi.waitFor(() => expect(received).toHaveLength(1 + missed.length), WAIT);
      const [live] = await producer.append(sampleEvents(alive[1]!, 1, 3));
      await vi.waitFor(() => expect(received).toHaveLength(2 + missed.length), WAIT);
      const want = [known!, ...missed, live!];
      for (const tenant of alive.slice(0, 2)) {
        expect(received.filter((e) => e.event.tenantId === tenant).map((e) => e.cursor)).toEqual(
          want.filter((e) => e.event.tenantId === tenant).map((e) => e.cursor),
        );
      }
    });

    it('reports which tenants were stored when a tenant’s node fails during a batch', async () => {
      const dead = `127.0.0.1:${cluster.nodes[0]!.port}`;
      let keyPrefix = uniquePrefix();
      for (let i = 0; i < 50 && (await nodesOfKeys([`${keyPrefix}tenants`]))[0] === dead; i++) {
        keyPrefix = uniquePrefix();
      }
      const tenants = ['ten_a', 'ten_b', 'ten_c', 'ten_d', 'ten_e', 'ten_f', 'ten_g', 'ten_h'];
      const [indexOwner] = await nodesOfKeys([`${keyPrefix}tenants`]);
      const owners = await nodesOf(keyPrefix, tenants);
      const victim = owners.find((o) => o !== indexOwner && o !== dead)!;
      const lost = tenants.filter((_, i) => owners[i] === victim);
      const kept = tenants.filter((_, i) => owners[i] === indexOwner);
      expect(lost.length).toBeGreaterThan(0);
      expect(kept.length).toBeGreaterThan(0);
      const log = track(open({ keyPrefix }));
      await log.append(sampleEvents(kept[0]!, 1));

      await cluster.kill(Number(victim.split(':')[1]));
      const batch = [...kept, ...lost].flatMap((t) => sampleEvents(t, 2));
      const error = await log.append(batch).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PartialAppendError);
      expect(error).toBeInstanceOf(BusUnavailableError);
      const partial = error as PartialAppendError;
      expect([...partial.storedTenants].sort()).toEqual(kept);
      expect([...partial.failedTenants].sort()).toEqual(lost);
      expect(partial.message).toContain(lost[0]);
      expect(partial.stored.map((e) => e.event)).toEqual(
        batch.filter((e) => kept.includes(e.tenantId)).map((e) => expect.objectContaining(e)),
      );
      const read = await log.readAfter(kept[0]!, null, 10);
      expect(read.status === 'ok' && read.events).toHaveLength(3);
    });
  });
});
