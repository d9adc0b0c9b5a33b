/**
 * The Redis log's corrupt-data reports (`onCorrupt`) reach `causeflow_bus_corrupt_total{source}`
 * through the same wiring as `main.ts` (`createEventLog` + `corruptCounter`). Needs Redis
 * (`REDIS_URL`): required under CI=true, skipped with a notice otherwise.
 */
import { randomBytes } from 'node:crypto';
import type { CorruptSource, EventLog } from '@causeflow/bus';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corruptCounter, createEventLog } from '../src/eventLog.js';
import { startTestServer, type TestServer } from '../src/testing.js';
import { userCreated } from './helpers.js';
import {
  deleteKeys,
  REDIS_HINT,
  REDIS_REQUIRED,
  REDIS_URL,
  redisCommand,
  redisUp,
} from './redis.support.js';
import { getEvents } from './rest.support.js';

const reachable = await redisUp();
if (!reachable && REDIS_REQUIRED) {
  throw new Error(`CI=true but Redis at ${REDIS_URL} is unreachable; ${REDIS_HINT}`);
}
if (!reachable) {
  process.stderr.write(
    `Redis corrupt-metric tests skipped: no Redis at ${REDIS_URL}; ${REDIS_HINT}\n`,
  );
}

const TENANT = 'ten_corrupt';

describe.skipIf(!reachable)('causeflow_bus_corrupt_total', () => {
  const keyPrefix = `cftest:${randomBytes(6).toString('hex')}:`;
  let log: EventLog;
  let server: TestServer;
  /** Resolves the next time the log reports something corrupt (after it was counted). */
  let reported: (source: CorruptSource) => void = () => {};
  const nextReport = () => new Promise<CorruptSource>((resolve) => (reported = resolve));

  beforeAll(async () => {
    const corrupt = corruptCounter();
    log = await createEventLog({
      config: { bus: 'redis', redisUrl: REDIS_URL, redisClusterNodes: undefined, retention: 1000 },
      logger: pino({ level: 'silent' }),
      onCorrupt: (source) => {
        corrupt.onCorrupt(source);
        reported(source);
      },
      keyPrefix,
    });
    // Polls readiness (the subscriber connects in the background); the hook's timeout bounds it.
    while (!(await log.isReady())) await new Promise((r) => setTimeout(r, 20));
    server = await startTestServer({ log });
    corrupt.attach(server.app.metrics);
  });

  afterAll(async () => {
    await server?.close();
    await log?.close();
    await deleteKeys(keyPrefix);
  });

  async function corruptCount(source: string): Promise<number> {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const line = new RegExp(`^causeflow_bus_corrupt_total\\{source="${source}"\\} (\\d+)$`, 'm');
    return Number(line.exec(text)?.[1] ?? Number.NaN);
  }

  it('counts an unreadable stream entry as source="entry", and still serves the readable ones', async () => {
    expect(await corruptCount('entry')).toBe(0);
    const [good] = await log.append([userCreated(TENANT)]);
    await redisCommand(['XADD', `${keyPrefix}{${TENANT}}:events`, '*', 'garbage', 'x']);
    const res = await getEvents(server.url, await server.token({ tenantId: TENANT }));
    expect(res.status).toBe(200);
    expect(res.body.events.map((e) => e.cursor)).toEqual([good!.cursor]);
    expect(await corruptCount('entry')).toBe(1);
  });

  it('counts a malformed notification as source="notification" and keeps running', async () => {
    expect(await corruptCount('notification')).toBe(0);
    const report = nextReport();
    await redisCommand(['PUBLISH', `${keyPrefix}events`, '{"t":"ten_x"}']);
    expect(await report).toBe('notification');
    expect(await corruptCount('notification')).toBe(1);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });
});
