import {
  createMemoryEventLog,
  type EventLog,
  type ReadResult,
  type StoredEvent,
} from '@causeflow/bus';
import type { StreamResetData } from '@causeflow/events';
import { EventSource } from 'eventsource';
import { afterEach, describe, expect, it } from 'vitest';
import type { TestServer } from '../src/testing.js';
import {
  bigEvent,
  incidentCreated,
  openStream,
  type RawStream,
  serverStarter,
  until,
  userCreated,
} from './helpers.js';

const STREAM = '/v1/notifications/stream';
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const server = serverStarter(cleanups);
async function stream(url: string, options: Parameters<typeof openStream>[1]): Promise<RawStream> {
  const s = await openStream(url, options);
  cleanups.push(() => s.close());
  return s;
}

/** Hooks run around every `readAfter` of an instrumented log (the n-th call, from 1). */
interface ReadHooks {
  before?: (call: number) => Promise<void>;
  after?: (call: number, result: ReadResult) => Promise<void>;
}

/** A log whose reads run test code before and after them, to publish exactly mid-replay. */
function instrumented(log: EventLog, hooks: ReadHooks): EventLog {
  let calls = 0;
  return {
    append: (events) => log.append(events),
    readAfter: async (tenantId, cursor, limit) => {
      const call = ++calls;
      await hooks.before?.(call);
      const result = await log.readAfter(tenantId, cursor, limit);
      await hooks.after?.(call, result);
      return result;
    },
    subscribe: (listener) => log.subscribe(listener),
    originCursor: (tenantId) => log.originCursor(tenantId),
    compareCursors: (a, b) => log.compareCursors(a, b),
    isReady: () => log.isReady(),
    close: () => log.close(),
  };
}

async function publishMany(s: TestServer, tenantId: string, count: number): Promise<StoredEvent[]> {
  const stored: StoredEvent[] = [];
  for (let i = 0; i < count; i++) stored.push(...(await s.publish([incidentCreated(tenantId, i)])));
  return stored;
}

describe('replay after Last-Event-ID', () => {
  it('replays then continues live with no gap and no duplicate while events keep arriving', async () => {
    const tenant = 'ten_replay';
    const memory = createMemoryEventLog({ retention: 10_000 });
    cleanups.push(() => memory.close());
    const during: StoredEvent[] = [];
    let s: TestServer | undefined;
    const publishDuring = async (count: number): Promise<void> => {
      for (let i = 0; i < count; i++)
        during.push(...(await s!.publish([incidentCreated(tenant, 1000 + during.length)])));
    };
    const log = instrumented(memory, {
      // Mid-replay: these events reach the connection live (buffered) AND through later pages.
      before: async (call) => {
        if (call === 2 || call === 5) await publishDuring(4);
        await new Promise((r) => setTimeout(r, 1));
      },
      // Between a read and its use: a stream that registered late for live events loses these.
      // Whichever read turns out to be the last one, these only exist in the live buffer.
      after: async (call) => {
        if (call >= 3) await publishDuring(1);
      },
    });
    s = await server({ log, config: { replayPageSize: 7 } });
    const before = await publishMany(s, tenant, 120);
    const from = before[39]!;

    // Meanwhile a producer keeps publishing on its own pace.
    let producing = true;
    const producer = (async () => {
      while (producing) {
        await publishDuring(1);
        await new Promise((r) => setTimeout(r, 3));
      }
    })();
    const st = await stream(`${s.url}${STREAM}`, {
      token: await s.token({ tenantId: tenant }),
      headers: { 'Last-Event-ID': from.cursor },
    });
    await until(() => s!.app.stats().replaying === 0, 10_000, 'the replay to finish');
    producing = false;
    await producer;
    await publishDuring(5); // plainly live; the last one is the sentinel
    const expected = [...before.slice(40), ...during].map((e) => e.cursor);
    const sentinel = expected.at(-1);
    // Events arrive in append order: a duplicate of anything would arrive before the sentinel.
    await st.waitFor(1, (m) => m.id === sentinel, 10_000);
    const received = st.events().map((m) => m.id);
    expect(new Set(received).size).toBe(received.length);
    expect(received).toEqual(expected);
    const replayed = await s.app.metrics.registry.getSingleMetricAsString(
      'causeflow_events_replayed_total',
    );
    expect(replayed).toMatch(/causeflow_events_replayed_total [1-9]\d+/);
  });

  it('accepts the cursor as ?lastEventId= for clients that cannot set headers', async () => {
    const s = await server();
    const stored = await publishMany(s, 'ten_query', 5);
    const st = await stream(
      `${s.url}${STREAM}?lastEventId=${encodeURIComponent(stored[2]!.cursor)}`,
      {
        token: await s.token({ tenantId: 'ten_query' }),
      },
    );
    await st.waitFor(2, (m) => m.event === 'incident.created');
    expect(st.events().map((m) => m.id)).toEqual([stored[3]!.cursor, stored[4]!.cursor]);
  });

  it('closes a stream as a slow consumer once the live events buffered during its replay exceed MAX_BUFFERED_BYTES', async () => {
    const limit = 128 * 1024;
    const t = 'ten_replay_buffer';
    let s: TestServer | undefined;
    let peak = 0;
    let flooded!: (openStreams: number) => void;
    const afterFlood = new Promise<number>((resolve) => {
      flooded = resolve;
    });
    const log = instrumented(createMemoryEventLog({ retention: 1000 }), {
      // Mid-replay (the stream is registered for live events): 40 events of ~54 KB, 2.1 MB.
      before: async (call) => {
        if (call !== 1) return;
        for (let i = 0; i < 40; i++) {
          await s!.publish([bigEvent(t, 50_000)]);
          peak = Math.max(peak, s!.app.stats().maxPendingBytes);
        }
        flooded(s!.app.stats().connections);
      },
    });
    cleanups.push(() => log.close());
    s = await server({ log, config: { maxBufferedBytes: limit } });
    const [first] = await s.publish([userCreated(t)]);
    const controller = new AbortController();
    // The stream is cut (destroyed) while the response may still be arriving: read to the end.
    const received = fetch(`${s.url}${STREAM}`, {
      headers: {
        Authorization: `Bearer ${await s.token({ tenantId: t })}`,
        'Last-Event-ID': first!.cursor,
      },
      signal: controller.signal,
    })
      .then((res) => res.text())
      .catch(() => '');
    const openStreams = await afterFlood;
    controller.abort();
    expect(openStreams).toBe(0);
    expect(await received).not.toContain('event: investigation.completed');
    expect(peak).toBeLessThanOrEqual(limit);
    const disconnects = await s.app.metrics.registry.getSingleMetricAsString(
      'causeflow_stream_disconnects_total',
    );
    expect(disconnects).toContain('causeflow_stream_disconnects_total{reason="slow_consumer"} 1');
  });

  it('applies the stream filters to replayed events too', async () => {
    const s = await server();
    const t = 'ten_replay_filter';
    const [first] = await s.publish([userCreated(t)]);
    await s.publish([incidentCreated(t, 1), userCreated(t), incidentCreated(t, 2)]);
    const st = await stream(`${s.url}${STREAM}?events=user.*`, {
      token: await s.token({ tenantId: t }),
      headers: { 'Last-Event-ID': first!.cursor },
    });
    await s.publish([userCreated(t)]);
    await st.waitFor(2, (m) => m.event === 'user.created');
    expect(st.events().map((m) => m.event)).toEqual(['user.created', 'user.created']);
  });

  it('sends stream.reset first for an unknown cursor, then every retained event, then live', async () => {
    const s = await server();
    const t = 'ten_unknown';
    const stored = await publishMany(s, t, 3);
    const st = await stream(`${s.url}${STREAM}`, {
      token: await s.token({ tenantId: t }),
      headers: { 'Last-Event-ID': 'someotherepoch-42' },
    });
    await st.waitFor(3, (m) => m.event === 'incident.created');
    const [live] = await s.publish([incidentCreated(t, 99)]);
    await st.waitFor(4, (m) => m.event === 'incident.created');
    const first = st.messages.find((m) => m.event !== 'ping');
    expect(first?.event).toBe('stream.reset');
    expect(first?.id).toBeUndefined();
    const data = JSON.parse(first!.data) as StreamResetData;
    expect(data).toMatchObject({ reason: 'unknown_cursor', lastEventId: 'someotherepoch-42' });
    expect(data.message).toEqual(expect.any(String));
    expect(st.events().map((m) => m.id)).toEqual([...stored, live!].map((e) => e.cursor));
  });

  it('sends stream.reset (cursor_trimmed) for a cursor older than the retention, then the oldest retained events', async () => {
    const s = await server({ retention: 5 });
    const t = 'ten_trimmed';
    const stored = await publishMany(s, t, 20);
    const st = await stream(`${s.url}${STREAM}`, {
      token: await s.token({ tenantId: t }),
      headers: { 'Last-Event-ID': stored[1]!.cursor },
    });
    await st.waitFor(5, (m) => m.event === 'incident.created');
    const reset = st.messages.find((m) => m.event === 'stream.reset');
    expect(JSON.parse(reset!.data)).toMatchObject({
      reason: 'cursor_trimmed',
      lastEventId: stored[1]!.cursor,
    });
    expect(st.messages.indexOf(reset!)).toBeLessThan(
      st.messages.findIndex((m) => m.event === 'incident.created'),
    );
    expect(st.events().map((m) => m.id)).toEqual(stored.slice(15).map((e) => e.cursor));
    expect(
      await s.app.metrics.registry.getSingleMetricAsString('causeflow_stream_resets_total'),
    ).toMatch(/reason="cursor_trimmed"} 1/);
  });

  it('lets the eventsource package resume after a server restart without losing or repeating events', async () => {
    const log = createMemoryEventLog();
    cleanups.push(() => log.close());
    const t = 'ten_restart';
    const jwtSecret = 'restart-secret-restart-secret-restart';
    const first = await server({ log, jwtSecret, config: { retryMs: 50 } });
    const token = await first.token({ tenantId: t });
    const received: MessageEvent[] = [];
    const es = new EventSource(`${first.url}${STREAM}`, {
      fetch: (input, init) =>
        fetch(input, { ...init, headers: { ...init.headers, Authorization: `Bearer ${token}` } }),
    });
    cleanups.push(() => es.close());
    es.addEventListener('incident.created', (e) => received.push(e));
    await new Promise<void>((resolve) => {
      es.onopen = () => resolve();
    });
    const early = await publishMany(first, t, 3);
    await until(() => received.length === 3, 3000, 'first events');

    await first.close();
    const missed = await publishMany(first, t, 4); // published while no server runs
    const second = await server({ log, jwtSecret, port: first.port, config: { retryMs: 50 } });
    await until(() => received.length >= 7, 5000, 'replayed events after reconnect');
    const late = await publishMany(second, t, 2);
    await until(() => received.length >= 9, 3000, 'live events after reconnect');
    expect(received.map((e) => e.lastEventId)).toEqual(
      [...early, ...missed, ...late].map((e) => e.cursor),
    );
  });
});
