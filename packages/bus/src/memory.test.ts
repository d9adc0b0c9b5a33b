import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import { describeEventLogConformance, sampleEvents } from './conformance.js';
import { BusError, BusUnavailableError } from './errors.js';
import { createMemoryEventLog } from './memory.js';
import type { BusLogger, EventLog, StoredEvent } from './types.js';

describeEventLogConformance('memory', ({ retention }) => createMemoryEventLog({ retention }));

describe('createMemoryEventLog', () => {
  it('returns an EventLog', () => {
    expectTypeOf(createMemoryEventLog).returns.toEqualTypeOf<EventLog>();
    // @ts-expect-error retention is a number of events
    expect(() => createMemoryEventLog({ retention: '10' })).toThrow(BusError);
  });

  it('refuses a retention below one and an epoch that cannot go into a cursor', () => {
    expect(() => createMemoryEventLog({ retention: 0 })).toThrow(BusError);
    expect(() => createMemoryEventLog({ retention: 1.5 })).toThrow(BusError);
    expect(() => createMemoryEventLog({ epoch: 'with-dash' })).toThrow(BusError);
  });

  it('writes cursors as <epoch>-<sequence>, sequences per tenant from 1', async () => {
    const log = createMemoryEventLog({ epoch: 'e1' });
    const stored = await log.append([...sampleEvents('ten_a', 2), ...sampleEvents('ten_b', 1)]);
    expect(stored.map((e) => e.cursor)).toEqual(['e1-1', 'e1-2', 'e1-1']);
  });

  it('answers unknown_cursor for a cursor of its epoch ahead of the newest event', async () => {
    const log = createMemoryEventLog({ epoch: 'e1' });
    await log.append(sampleEvents('ten_a', 2));
    expect((await log.readAfter('ten_a', 'e1-2', 10)).status).toBe('ok');
    expect((await log.readAfter('ten_a', 'e1-3', 10)).status).toBe('unknown_cursor');
    expect((await log.readAfter('ten_a', 'e1-01', 10)).status).toBe('unknown_cursor');
  });

  it('writes the origin cursor as sequence 0 of its epoch', async () => {
    const log = createMemoryEventLog({ epoch: 'e1' });
    expect(await log.originCursor('ten_a')).toBe('e1-0');
  });

  it('answers unknown_cursor for cursors of an earlier instance (a restart)', async () => {
    const before = createMemoryEventLog();
    const [stored] = await before.append(sampleEvents('ten_a', 1));
    const after = createMemoryEventLog();
    await after.append(sampleEvents('ten_a', 3));
    expect((await after.readAfter('ten_a', stored!.cursor, 10)).status).toBe('unknown_cursor');
  });

  it('delivers synchronously, and in append order when a listener appends', async () => {
    const log = createMemoryEventLog();
    const seen: string[] = [];
    log.subscribe((e) => {
      seen.push(e.cursor);
      if (e.event.tenantId === 'ten_a' && seen.length === 1)
        void log.append(sampleEvents('ten_a', 1));
    });
    const stored = await log.append(sampleEvents('ten_a', 2));
    expect(seen.slice(0, 2)).toEqual(stored.map((e) => e.cursor));
    expect(seen).toHaveLength(3);
    expect(log.compareCursors(seen[1]!, seen[2]!)).toBeLessThan(0);
  });

  it('reports a throwing listener to the logger', async () => {
    const logger: BusLogger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const log = createMemoryEventLog({ logger });
    log.subscribe(() => {
      throw new Error('boom');
    });
    await log.append(sampleEvents('ten_a', 1));
    expect(logger.error).toHaveBeenCalledTimes(1);
  });

  it('sorts cursors it did not issue before its own, and by epoch across instances', () => {
    const log = createMemoryEventLog({ epoch: 'b' });
    expect(log.compareCursors('garbage', 'b-1')).toBeLessThan(0);
    expect(log.compareCursors('b-1', 'garbage')).toBeGreaterThan(0);
    expect(log.compareCursors('a-99', 'b-1')).toBeLessThan(0);
    expect(log.compareCursors('b-10', 'b-9')).toBeGreaterThan(0);
    expect(log.compareCursors('x', 'x')).toBe(0);
  });

  it('keeps retention per tenant in a ring and wraps around many times', async () => {
    const log = createMemoryEventLog({ retention: 3 });
    const all: StoredEvent[] = [];
    for (let i = 0; i < 10; i++) all.push(...(await log.append(sampleEvents('ten_a', 1, i))));
    const read = await log.readAfter('ten_a', null, 10);
    expect(read.status === 'ok' && read.events.map((e) => e.cursor)).toEqual(
      all.slice(7).map((e) => e.cursor),
    );
  });

  it('is unavailable and not ready once closed', async () => {
    const log = createMemoryEventLog();
    await log.close();
    expect(await log.isReady()).toBe(false);
    await expect(log.append(sampleEvents('ten_a', 1))).rejects.toBeInstanceOf(BusUnavailableError);
  });

  // Speed is measured by `pnpm bench`, not asserted here (a wall-clock bound fails on a busy machine).
  it('appends and validates 100k events, reading from the ring by offset', async () => {
    const log = createMemoryEventLog({ retention: 1000 });
    const batch = sampleEvents('ten_a', 100);
    for (let i = 0; i < 1000; i++) await log.append(batch);
    const read = await log.readAfter('ten_a', null, 5);
    expect(read.status === 'ok' && read.events[0]!.cursor).toMatch(/-99001$/);
  });
});
