import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  REDIS_REQUIRED,
  REDIS_URL,
  redisReachable,
  START_REDIS_HINT,
  uniquePrefix,
} from '../test/support/redis.js';
import { sampleEvents } from './conformance.js';
import { compareStreamIds, formatStreamCursor } from './cursor.js';
import type { CorruptSource } from './redis-codec.js';
import { type CatchUpPage, type FanoutSource, RedisFanout } from './redis-fanout.js';
import type { BusLogger, StoredEvent } from './types.js';

const reachable = await redisReachable();
if (!reachable && REDIS_REQUIRED) {
  throw new Error(`CI=true but Redis at ${REDIS_URL} is unreachable; ${START_REDIS_HINT}`);
}

const WAIT = { timeout: 5_000, interval: 5 };

type Event = StoredEvent['event'];

/**
 * A fake log behind the fan-out: per tenant a list of entries (stream id, event) in one epoch.
 * It records every read, and can be told to fail.
 */
class FakeSource implements FanoutSource {
  readonly streams = new Map<string, { epoch: string; entries: { id: string; event: Event }[] }>();
  readonly reads: { tenantId: string; afterId: string; count: number }[] = [];
  failing = false;
  #seq = 0;

  /**
   * Stores events for a tenant (stream ids `<now>-<n>`, as Redis would give) and returns the
   * notification the append script would publish.
   */
  add(tenantId: string, count: number, epoch = 'ep1'): { note: string; stored: StoredEvent[] } {
    let stream = this.streams.get(tenantId);
    if (!stream || stream.epoch !== epoch) {
      stream = { epoch, entries: [] };
      this.streams.set(tenantId, stream);
    }
    const previous = stream.entries[stream.entries.length - 1]?.id ?? '';
    const added = sampleEvents(tenantId, count).map((e) => ({
      id: `${Date.now()}-${++this.#seq}`,
      event: { ...e, id: `evt_${tenantId}_${this.#seq}` } as Event,
    }));
    stream.entries.push(...added);
    const note = JSON.stringify({
      t: tenantId,
      p: epoch,
      v: previous,
      i: added.map((a) => a.id),
      e: added.map((a) => a.event),
    });
    const stored = added.map((a) => ({ cursor: formatStreamCursor(epoch, a.id), event: a.event }));
    return { note, stored };
  }

  async readAfterId(
    tenantId: string,
    epoch: string,
    afterId: string,
    count: number,
  ): Promise<CatchUpPage> {
    this.reads.push({ tenantId, afterId, count });
    if (this.failing) throw new Error('redis is down (fake)');
    const stream = this.streams.get(tenantId);
    if (!stream) return { epoch: '', events: [], lastId: '', read: 0 };
    const from = (epoch === '' || epoch === stream.epoch) && afterId !== '' ? afterId : '0-0';
    const page = stream.entries.filter((e) => compareStreamIds(e.id, from) > 0).slice(0, count);
    return {
      epoch: stream.epoch,
      events: page.map((e) => ({ cursor: formatStreamCursor(stream.epoch, e.id), event: e.event })),
      lastId: page[page.length - 1]?.id ?? '',
      read: page.length,
    };
  }

  async tenantsSince(): Promise<string[]> {
    if (this.failing) throw new Error('redis is down (fake)');
    return [...this.streams.keys()];
  }
}

function recordingLogger(): BusLogger & { lines: string[] } {
  const lines: string[] = [];
  const record = (_obj: object, msg?: string) => {
    lines.push(msg ?? '');
  };
  return { lines, info: record, warn: record, error: record };
}

describe.skipIf(!reachable)('RedisFanout on its own (fake source, real pub/sub)', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setup(options: { catchUpPage?: number } = {}) {
    const channel = `${uniquePrefix()}events`;
    const source = new FakeSource();
    const received: StoredEvent[] = [];
    const logger = recordingLogger();
    const corrupt: CorruptSource[] = [];
    const subscribers: Redis[] = [];
    const fanout = new RedisFanout({
      subscribers: {
        open: () => {
          const subscriber = new Redis(REDIS_URL, {
            autoResubscribe: false,
            enableOfflineQueue: true,
            retryStrategy: () => 20,
          });
          subscribers.push(subscriber);
          return subscriber;
        },
        nextPauseMs: () => undefined,
      },
      channel,
      source,
      deliver: (batch) => received.push(...batch),
      logger,
      onCorrupt: (where) => corrupt.push(where),
      catchUpPage: options.catchUpPage,
    });
    const publisher = new Redis(REDIS_URL);
    cleanups.push(
      () => fanout.close(),
      () => publisher.disconnect(),
    );
    fanout.start();
    await fanout.waitSubscribed(5_000);
    expect(fanout.subscribedNow).toBe(true);
    const publish = (note: string) => publisher.publish(channel, note);
    return { fanout, source, received, logger, corrupt, subscribers, publish };
  }

  const cursors = (events: readonly StoredEvent[]) => events.map((e) => e.cursor);

  it('delivers notifications that follow on in order, without reading the source', async () => {
    const { source, received, publish } = await setup();
    const first = source.add('ten_a', 2);
    const second = source.add('ten_a', 1);
    const other = source.add('ten_b', 1);
    await publish(first.note);
    await publish(second.note);
    await publish(other.note);
    const want = [...first.stored, ...second.stored, ...other.stored];
    await vi.waitFor(() => expect(cursors(received)).toEqual(cursors(want)), WAIT);
    expect(received.map((e) => e.event)).toEqual(want.map((e) => e.event));
    expect(source.reads).toEqual([]);
  });

  it('drops a notification it has already delivered', async () => {
    const { source, received, publish } = await setup();
    const first = source.add('ten_a', 2);
    const sentinel = source.add('ten_a', 1);
    await publish(first.note);
    await publish(first.note);
    await publish(sentinel.note);
    await vi.waitFor(() => expect(received).toHaveLength(3), WAIT);
    expect(cursors(received)).toEqual(cursors([...first.stored, ...sentinel.stored]));
  });

  it('reads what a lost notification held, from the last delivered id, before the live one', async () => {
    const { source, received, publish } = await setup();
    const first = source.add('ten_a', 1);
    await publish(first.note);
    await vi.waitFor(() => expect(received).toHaveLength(1), WAIT);
    const lost = source.add('ten_a', 2); // never published
    const live = source.add('ten_a', 1);
    await publish(live.note);
    const want = [...first.stored, ...lost.stored, ...live.stored];
    await vi.waitFor(() => expect(cursors(received)).toEqual(cursors(want)), WAIT);
    expect(source.reads[0]).toMatchObject({
      tenantId: 'ten_a',
      afterId: first.stored[0]!.cursor.split('.')[1],
    });
  });

  it('reads every page of a catch-up, not only the first', async () => {
    const { source, received, publish } = await setup({ catchUpPage: 2 });
    const first = source.add('ten_a', 1);
    await publish(first.note);
    await vi.waitFor(() => expect(received).toHaveLength(1), WAIT);
    const lost = source.add('ten_a', 7);
    const live = source.add('ten_a', 1);
    await publish(live.note);
    const want = [...first.stored, ...lost.stored, ...live.stored];
    await vi.waitFor(() => expect(cursors(received)).toEqual(cursors(want)), WAIT);
    // 7 lost + the live one read from the source: pages of 2, 2, 2, 2, then an empty one.
    expect(source.reads.map((r) => r.count)).toEqual([2, 2, 2, 2, 2]);
  });

  it('follows a new epoch from its first event', async () => {
    const { source, received, publish, logger } = await setup();
    const old = source.add('ten_a', 2, 'ep1');
    await publish(old.note);
    await vi.waitFor(() => expect(received).toHaveLength(2), WAIT);
    // Redis lost its data: a new stream in a new epoch; its first notification was lost.
    const lost = source.add('ten_a', 1, 'ep2');
    const live = source.add('ten_a', 1, 'ep2');
    await publish(live.note);
    const want = [...old.stored, ...lost.stored, ...live.stored];
    await vi.waitFor(() => expect(cursors(received)).toEqual(cursors(want)), WAIT);
    expect(logger.lines).toContain('redis epoch changed; delivering the new stream');
  });

  it('retries a failed catch-up read until the source answers again', async () => {
    const { source, received, publish, logger } = await setup();
    const first = source.add('ten_a', 1);
    await publish(first.note);
    await vi.waitFor(() => expect(received).toHaveLength(1), WAIT);
    source.failing = true;
    const lost = source.add('ten_a', 1);
    const live = source.add('ten_a', 1);
    await publish(live.note);
    await vi.waitFor(() => expect(logger.lines).toContain('redis catch-up failed; retrying'), WAIT);
    expect(received).toHaveLength(1);
    source.failing = false;
    const want = [...first.stored, ...lost.stored, ...live.stored];
    await vi.waitFor(() => expect(cursors(received)).toEqual(cursors(want)), WAIT);
  });

  it('after its subscriber reconnects, catches up known tenants and discovers new ones', async () => {
    const { source, received, publish, subscribers, logger } = await setup();
    const known = source.add('ten_known', 1);
    await publish(known.note);
    await vi.waitFor(() => expect(received).toHaveLength(1), WAIT);
    subscribers[0]!.disconnect(true); // a blip: ioredis reconnects, the fan-out resubscribes
    // Appended meanwhile; their notifications are lost.
    const missedKnown = source.add('ten_known', 2);
    const missedNew = source.add('ten_new', 3);
    await vi.waitFor(
      () => expect(logger.lines).toContain('redis fan-out found tenants missed meanwhile'),
      WAIT,
    );
    const live = source.add('ten_new', 1);
    await publish(live.note);
    await vi.waitFor(() => expect(received).toHaveLength(7), WAIT);
    for (const [tenant, want] of [
      ['ten_known', [...known.stored, ...missedKnown.stored]],
      ['ten_new', [...missedNew.stored, ...live.stored]],
    ] as const) {
      expect(cursors(received.filter((e) => e.event.tenantId === tenant))).toEqual(cursors(want));
    }
  });

  it('logs and skips malformed notifications, never throwing, and keeps delivering', async () => {
    const { source, received, publish, logger, corrupt } = await setup();
    const [event] = sampleEvents('ten_a', 1);
    const valid = { t: 'ten_a', p: 'ep1', v: '', i: ['5-1'], e: [{ ...event, id: 'evt_x' }] };
    const malformed = [
      '{"t":"ten_x"}',
      'not json',
      'null',
      '[]',
      '"a string"',
      JSON.stringify({ ...valid, t: 7 }),
      JSON.stringify({ ...valid, p: ['ep1'] }),
      JSON.stringify({ ...valid, v: 'x' }),
      JSON.stringify({ ...valid, i: 'not-a-list' }),
      JSON.stringify({ ...valid, i: [] }),
      JSON.stringify({ ...valid, i: ['five'] }),
      JSON.stringify({ ...valid, e: [] }),
      JSON.stringify({ ...valid, e: 'x' }),
    ];
    for (const message of malformed) await publish(message);
    const good = source.add('ten_a', 2);
    await publish(good.note);
    await vi.waitFor(() => expect(cursors(received)).toEqual(cursors(good.stored)), WAIT);
    expect(logger.lines.filter((l) => l === 'malformed notification skipped')).toHaveLength(
      malformed.length,
    );
    expect(corrupt).toEqual(malformed.map(() => 'notification'));
    expect(logger.lines).not.toContain('redis notification handling failed; skipped');
  });

  it('skips an unreadable event inside a notification and delivers the others, in order', async () => {
    const { source, received, publish, logger, corrupt } = await setup();
    const first = source.add('ten_a', 3);
    const note = JSON.parse(first.note) as { e: Record<string, unknown>[] };
    // One event of the batch is not a valid envelope, one belongs to another tenant.
    note.e[0] = { ...note.e[0], data: { severity: 'apocalyptic' } };
    note.e[2] = { ...note.e[2], tenantId: 'ten_other' };
    await publish(JSON.stringify(note));
    const next = source.add('ten_a', 1);
    await publish(next.note);
    await vi.waitFor(() => expect(received).toHaveLength(2), WAIT);
    expect(cursors(received)).toEqual(cursors([first.stored[1]!, ...next.stored]));
    // The skipped events' ids still count as delivered: the next notification follows on.
    expect(source.reads).toEqual([]);
    expect(corrupt).toEqual(['entry', 'entry']);
    expect(
      logger.lines.filter((l) => l === 'unreadable event in a notification skipped'),
    ).toHaveLength(2);
  });

  it('delivers nothing once closed', async () => {
    const { fanout, source, received, publish } = await setup();
    await fanout.close();
    expect(fanout.subscribedNow).toBe(false);
    await publish(source.add('ten_a', 1).note);
    expect(received).toEqual([]);
  });
});
