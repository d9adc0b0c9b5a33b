import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, RedisProcess, redisServerForTests } from '../test/support/redis.js';
import { sampleEvents } from './conformance.js';
import { createRedisEventLog } from './redis.js';
import type { EventLog, StoredEvent } from './types.js';

const available = await redisServerForTests('Redis command tests');

/**
 * What a read costs on Redis, watched with MONITOR (which also shows the commands a Lua script
 * runs) on a redis-server of this test's own, so nobody else's traffic is in the way.
 */
describe.skipIf(!available)('Redis event log reads, as Redis sees them (own redis-server)', () => {
  const RETENTION = 5_000;
  let redis: RedisProcess;
  let log: EventLog;
  let stored: StoredEvent[];
  beforeAll(async () => {
    redis = new RedisProcess(await freePort());
    await redis.start();
    log = createRedisEventLog({ url: redis.url, keyPrefix: 'cmd:', retention: RETENTION });
    stored = [];
    for (let i = 0; i < 6; i++) stored.push(...(await log.append(sampleEvents('ten_a', 500, i))));
  }, 30_000);
  afterAll(async () => {
    await log.close();
    await redis.stop();
  });

  /** The commands Redis ran (including inside scripts) while `action` ran. */
  async function commandsOf(action: () => Promise<unknown>): Promise<string[][]> {
    const client = new Redis(redis.url);
    const monitor = await client.monitor();
    const seen: string[][] = [];
    let markerSeen!: () => void;
    const marked = new Promise<void>((resolve) => {
      markerSeen = resolve;
    });
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (source === 'lua') seen.push(args);
      else if (args[0]?.toLowerCase() === 'get' && args[1] === 'cmd:marker') markerSeen();
    });
    const marker = new Redis(redis.url);
    try {
      await action();
      // A marker after the action: every command of the action was seen before it.
      await marker.get('cmd:marker');
      await marked;
    } finally {
      marker.disconnect();
      monitor.disconnect();
      client.disconnect();
    }
    return seen;
  }

  /** True for a stream range read bounded by COUNT <= limit, or of one id (`XRANGE k id id`). */
  function bounded(command: string[], limit: number): boolean {
    const name = command[0]!.toUpperCase();
    if (name !== 'XRANGE' && name !== 'XREVRANGE')
      return !['XLEN', 'XREAD', 'SCAN', 'KEYS'].includes(name);
    const at = command.findIndex((part) => part.toUpperCase() === 'COUNT');
    if (at >= 0) return Number(command[at + 1]) <= limit;
    return command[2] === command[3];
  }

  it('reads a page after a cursor deep in a large retention with one range read of COUNT limit', async () => {
    const cursor = stored[1_000]!.cursor;
    let page: Awaited<ReturnType<EventLog['readAfter']>> | undefined;
    const commands = await commandsOf(async () => {
      page = await log.readAfter('ten_a', cursor, 10);
    });
    expect(page?.status === 'ok' && page.events.map((e) => e.cursor)).toEqual(
      stored.slice(1_001, 1_011).map((e) => e.cursor),
    );
    const ranges = commands.filter((c) => /^X(REV)?RANGE$/i.test(c[0]!));
    expect(ranges.length).toBeGreaterThan(0);
    expect(commands.length).toBeLessThanOrEqual(6);
    for (const command of commands) expect(bounded(command, 10), command.join(' ')).toBe(true);
    // The page itself: one XRANGE from just after the cursor, COUNT 10.
    expect(ranges.at(-1)).toEqual([
      'XRANGE',
      'cmd:{ten_a}:events',
      `(${cursor.split('.')[1]}`,
      '+',
      'COUNT',
      '10',
    ]);
  });

  it('reads from the oldest retained event with one range read of COUNT limit', async () => {
    let page: Awaited<ReturnType<EventLog['readAfter']>> | undefined;
    const commands = await commandsOf(async () => {
      page = await log.readAfter('ten_a', null, 7);
    });
    expect(page?.status === 'ok' && page.events.map((e) => e.cursor)).toEqual(
      stored.slice(0, 7).map((e) => e.cursor),
    );
    expect(commands.length).toBeLessThanOrEqual(3);
    for (const command of commands) expect(bounded(command, 7), command.join(' ')).toBe(true);
  });
});
