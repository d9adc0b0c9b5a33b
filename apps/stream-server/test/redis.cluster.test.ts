/**
 * Two stream-server instances sharing one Redis (each with its own Redis event log): publish on
 * one, receive on the other; a client moving between instances with Last-Event-ID loses and
 * repeats nothing. Needs Redis (`REDIS_URL`, default redis://127.0.0.1:6379): required under
 * CI=true, skipped with a notice otherwise.
 */
import { randomBytes } from 'node:crypto';
import { createRedisEventLog, type EventLog, type StoredEvent } from '@causeflow/bus';
import type { EventSourceMessage } from 'eventsource-parser';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestServer, type TestServer } from '../src/testing.js';
import { incidentCreated, openStream, type RawStream, until } from './helpers.js';
import {
  deleteKeys,
  REDIS_HINT as HINT,
  REDIS_URL,
  REDIS_REQUIRED as REQUIRED,
  redisUp,
} from './redis.support.js';

const STREAM = '/v1/notifications/stream';
const TENANT = 'ten_cluster';

const reachable = await redisUp();
if (!reachable && REQUIRED) {
  throw new Error(`CI=true but Redis at ${REDIS_URL} is unreachable; ${HINT}`);
}
if (!reachable) {
  // Deliberately visible: why these tests did not run, and how to run them.
  process.stderr.write(`Redis cluster tests skipped: no Redis at ${REDIS_URL}; ${HINT}\n`);
}

describe.skipIf(!reachable)('two server instances sharing Redis', () => {
  const keyPrefix = `cftest:${randomBytes(6).toString('hex')}:`;
  const jwtSecret = randomBytes(32).toString('base64url');
  let logs: EventLog[] = [];
  let a: TestServer;
  let b: TestServer;
  const streams: RawStream[] = [];

  beforeAll(async () => {
    logs = [0, 1].map(() => createRedisEventLog({ url: REDIS_URL, keyPrefix }));
    for (const log of logs) {
      const deadline = Date.now() + 5_000;
      while (!(await log.isReady())) {
        if (Date.now() > deadline) throw new Error('Redis event log not ready');
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    a = await startTestServer({ log: logs[0]!, jwtSecret });
    b = await startTestServer({ log: logs[1]!, jwtSecret });
  });

  afterEach(() => {
    for (const s of streams.splice(0)) s.close();
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await Promise.all(logs.map((log) => log.close()));
    await deleteKeys(keyPrefix);
  });

  async function stream(server: TestServer, lastEventId?: string): Promise<RawStream> {
    const headers: Record<string, string> = lastEventId ? { 'Last-Event-ID': lastEventId } : {};
    const s = await openStream(`${server.url}${STREAM}`, {
      token: await server.token({ tenantId: TENANT }),
      headers,
    });
    streams.push(s);
    expect(s.response.status).toBe(200);
    return s;
  }

  async function ingest(server: TestServer, events: unknown[]): Promise<string[]> {
    const token = await server.token({ tenantId: TENANT, scope: 'events:publish' });
    const res = await fetch(`${server.url}/v1/events`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(events),
    });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { accepted: number; ids: string[] };
    expect(body.accepted).toBe(events.length);
    return body.ids;
  }

  const eventIds = (messages: readonly EventSourceMessage[]) =>
    messages.map((m) => (JSON.parse(m.data) as { id: string }).id);

  /** A Redis log whose live copies are held back until `release()`: a lagging subscription. */
  function laggingRedisLog(): { log: EventLog; held: () => number; release: () => void } {
    const log = createRedisEventLog({ url: REDIS_URL, keyPrefix });
    const held: [StoredEvent, (stored: StoredEvent) => void][] = [];
    let open = false;
    const lagging: EventLog = {
      append: (events) => log.append(events),
      readAfter: (tenantId, cursor, limit) => log.readAfter(tenantId, cursor, limit),
      originCursor: (tenantId) => log.originCursor(tenantId),
      compareCursors: (a, b) => log.compareCursors(a, b),
      isReady: () => log.isReady(),
      close: () => log.close(),
      subscribe: (listener) =>
        log.subscribe((stored) => {
          if (open) listener(stored);
          else held.push([stored, listener]);
        }),
    };
    return {
      log: lagging,
      // Distinct events held: the hub and the webhook dispatcher each subscribe.
      held: () => new Set(held.map(([stored]) => stored.cursor)).size,
      release() {
        open = true;
        for (const [stored, listener] of held.splice(0)) listener(stored);
      },
    };
  }

  it('delivers an event published through one instance to a stream on the other', async () => {
    const onB = await stream(b);
    const ids = await ingest(a, [incidentCreated(TENANT, 1), incidentCreated(TENANT, 2)]);
    const received = await onB.waitFor(2, (m) => m.event === 'incident.created');
    expect(eventIds(received)).toEqual(ids);
    expect(received.every((m) => m.id !== undefined && m.id !== '')).toBe(true);
  });

  it('lets a client move from one instance to the other with Last-Event-ID: no gap, no duplicate', async () => {
    const onA = await stream(a);
    const first = await ingest(
      a,
      Array.from({ length: 6 }, (_, i) => incidentCreated(TENANT, 10 + i)),
    );
    const seenOnA = (
      await onA.waitFor(6, (m) => eventIds([m]).some((id) => first.includes(id)))
    ).slice(0, 4);
    // The client drops after the fourth event; events keep being published on both instances.
    onA.close();
    const resumeFrom = seenOnA[3]!.id;
    const published = [...first];
    published.push(
      ...(await ingest(b, [incidentCreated(TENANT, 20), incidentCreated(TENANT, 21)])),
    );
    const reconnecting = stream(b, resumeFrom);
    for (let i = 0; i < 10; i++) {
      published.push(...(await ingest(i % 2 ? a : b, [incidentCreated(TENANT, 30 + i)])));
    }
    const onB = await reconnecting;
    const expected = published.slice(4);
    const got = await onB.waitFor(expected.length, (m) => m.event === 'incident.created');
    // A duplicate would arrive before a sentinel published after everything else.
    const [sentinel] = await ingest(a, [incidentCreated(TENANT, 99)]);
    await onB.waitFor(1, (m) => eventIds([m])[0] === sentinel);
    expect(eventIds(onB.events())).toEqual([...expected, sentinel]);
    expect(onB.messages.some((m) => m.event === 'stream.reset')).toBe(false);
    // Cursors are the same on every instance: they increase across the move.
    const cursors = [...seenOnA, ...got].map((m) => m.id);
    for (let i = 1; i < cursors.length; i++) {
      expect(logs[1]!.compareCursors(cursors[i - 1]!, cursors[i]!)).toBeLessThan(0);
    }
  });

  it('does not send a client resuming from the newest cursor its last event again when the live copy lags', async () => {
    const lagging = laggingRedisLog();
    const c = await startTestServer({ log: lagging.log, jwtSecret });
    try {
      // C's subscriber must be listening before the event is published, or C never sees it live.
      await vi.waitFor(async () => expect(await lagging.log.isReady()).toBe(true), {
        timeout: 5000,
      });
      const onA = await stream(a);
      const [last] = await ingest(a, [incidentCreated(TENANT, 40)]);
      const [seen] = await onA.waitFor(1, (m) => eventIds([m])[0] === last);
      onA.close();
      // Instance C has the event in Redis (replay) but its live copy has not arrived yet.
      await until(() => lagging.held() === 1, 5000, 'the live copy to reach C (held)');
      const onC = await stream(c, seen!.id);
      await until(
        () => c.app.stats().connections === 1 && c.app.stats().replaying === 0,
        5000,
        'the replay on C to end',
      );
      lagging.release(); // the late live copy of the event the client already has
      const [sentinel] = await ingest(a, [incidentCreated(TENANT, 41)]);
      await onC.waitFor(1, (m) => eventIds([m])[0] === sentinel);
      expect(eventIds(onC.events())).toEqual([sentinel]);
    } finally {
      await c.close();
      await lagging.log.close();
    }
  });
});
