import { createMemoryEventLog, type EventLog, type StoredEvent } from '@causeflow/bus';
import { afterEach, describe, expect, it } from 'vitest';
import type { TestServer } from '../src/testing.js';
import {
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

async function delivered(s: TestServer): Promise<number> {
  const text = await s.app.metrics.registry.getSingleMetricAsString(
    'causeflow_events_delivered_total',
  );
  return Number(/causeflow_events_delivered_total (\d+)/.exec(text)?.[1]);
}

/**
 * A log whose live delivery lags behind its reads (as a Redis subscription does): every append is
 * readable at once, but reaches subscribers only when the test calls `release()`.
 */
function laggingLog(log: EventLog): { log: EventLog; release: () => void } {
  const held: [StoredEvent, (stored: StoredEvent) => void][] = [];
  return {
    log: {
      append: (events) => log.append(events),
      readAfter: (tenantId, cursor, limit) => log.readAfter(tenantId, cursor, limit),
      originCursor: (tenantId) => log.originCursor(tenantId),
      compareCursors: (a, b) => log.compareCursors(a, b),
      isReady: () => log.isReady(),
      close: () => log.close(),
      subscribe: (listener) => log.subscribe((stored) => held.push([stored, listener])),
    },
    release() {
      for (const [stored, listener] of held.splice(0)) listener(stored);
    },
  };
}

describe('live fan-out', () => {
  it('writes each event once to every matching connection and counts exactly those deliveries', async () => {
    const s = await server();
    const tenant = 'ten_fan';
    const token = await s.token({ tenantId: tenant });
    const all = [
      await stream(`${s.url}${STREAM}`, { token }),
      await stream(`${s.url}${STREAM}`, { token }),
    ];
    const incidents = await stream(`${s.url}${STREAM}?events=incident.*`, { token });
    const one = await stream(`${s.url}${STREAM}?incidentId=inc_T2`, { token });
    const other = await stream(`${s.url}${STREAM}`, {
      token: await s.token({ tenantId: 'ten_fan_other' }),
    });
    await until(() => s.app.stats().connections === 5, 2000, 'five streams');
    const before = await delivered(s);
    const stored = await s.publish([
      incidentCreated(tenant, 1),
      userCreated(tenant),
      incidentCreated(tenant, 2),
    ]);
    const cursors = stored.map((e) => e.cursor);
    for (const st of all) {
      await st.waitFor(3, (m) => m.id !== undefined && m.id !== '');
      expect(st.events().map((m) => m.id)).toEqual(cursors);
    }
    await incidents.waitFor(2, (m) => m.event === 'incident.created');
    expect(incidents.events().map((m) => m.id)).toEqual([cursors[0], cursors[2]]);
    await one.waitFor(1, (m) => m.event === 'incident.created');
    expect(one.events().map((m) => m.id)).toEqual([cursors[2]]);
    expect(other.events()).toEqual([]);
    expect((await delivered(s)) - before).toBe(3 + 3 + 2 + 1);
  });

  it('joins replay and live without duplicates when live delivery lags behind reads', async () => {
    const memory = createMemoryEventLog({ retention: 1000 });
    cleanups.push(() => memory.close());
    const lagging = laggingLog(memory);
    const s = await server({ log: lagging.log });
    const tenant = 'ten_lag';
    const first = await s.publish([incidentCreated(tenant, 1), incidentCreated(tenant, 2)]);
    lagging.release(); // the live copies of these reach the hub before any stream opens
    // Published right before the stream opens: replay reads them; their live copies come later.
    const racing = await s.publish([incidentCreated(tenant, 3), incidentCreated(tenant, 4)]);
    const st = await stream(`${s.url}${STREAM}`, {
      token: await s.token({ tenantId: tenant }),
      headers: { 'Last-Event-ID': first[0]!.cursor },
    });
    await until(() => s.app.stats().replaying === 0, 2000, 'the replay to finish');
    lagging.release(); // the lagging live copies of the replayed events arrive now
    const later = await s.publish([incidentCreated(tenant, 5)]);
    lagging.release();
    const expected = [first[1]!, ...racing, ...later].map((e) => e.cursor);
    // `later` is the sentinel: a duplicate of a racing event would have been written before it.
    await st.waitFor(1, (m) => m.id === later[0]!.cursor);
    expect(st.events().map((m) => m.id)).toEqual(expected);
  });
});
