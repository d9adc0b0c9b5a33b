/**
 * @causeflow/bus/conformance — the behaviour every `EventLog` implementation must have, as a
 * vitest suite. Run it against each implementation with a factory that makes a fresh, empty log.
 */
import { type CauseFlowEvent, EVENT_NAMES, eventCatalog, ID_PATTERNS } from '@causeflow/events';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BatchValidationError } from './errors.js';
import type { EventLog, ReadResult, StoredEvent } from './types.js';

/** What the conformance suite asks of a factory. */
export interface ConformanceFactoryOptions {
  /** Events the new log must keep per tenant. */
  readonly retention: number;
}

/** Makes a fresh, empty log; called several times per test (each log is closed after the test). */
export type EventLogFactory = (options: ConformanceFactoryOptions) => Promise<EventLog> | EventLog;

const EVENT_ID = ID_PATTERNS.EventId;
const WAIT = { timeout: 5_000, interval: 5 };

/** Every catalog example, without its `id`, as a template to stamp tenants on. */
const TEMPLATES: readonly CauseFlowEvent[] = EVENT_NAMES.flatMap((name) =>
  eventCatalog[name].examples.map((example) => {
    const { id: _id, ...rest } = example as CauseFlowEvent;
    return rest as CauseFlowEvent;
  }),
);

/**
 * `count` valid events of `tenantId` without ids, cycling through the catalog examples.
 * @example const batch = sampleEvents('ten_a', 3);
 */
export function sampleEvents(tenantId: string, count: number, offset = 0): CauseFlowEvent[] {
  return Array.from(
    { length: count },
    (_, i) => ({ ...TEMPLATES[(offset + i) % TEMPLATES.length]!, tenantId }) as CauseFlowEvent,
  );
}

function ids(events: readonly StoredEvent[]): string[] {
  return events.map((e) => e.event.id);
}

function expectOk(result: ReadResult): readonly StoredEvent[] {
  expect(result.status).toBe('ok');
  return result.status === 'ok' ? result.events : [];
}

async function readAll(log: EventLog, tenantId: string): Promise<StoredEvent[]> {
  const all: StoredEvent[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 1_000; page++) {
    const events = expectOk(await log.readAfter(tenantId, cursor, 50));
    if (events.length === 0) return all;
    all.push(...events);
    cursor = events[events.length - 1]!.cursor;
  }
  throw new Error('readAll: too many pages');
}

/**
 * Declares the conformance suite for one `EventLog` implementation. `cleanup` runs after each
 * log a test opened has been closed (e.g. to delete its Redis keys).
 * @example
 * describeEventLogConformance('memory', ({ retention }) => createMemoryEventLog({ retention }));
 */
export function describeEventLogConformance(
  name: string,
  factory: EventLogFactory,
  cleanup?: (log: EventLog) => Promise<void> | void,
): void {
  describe(`EventLog conformance: ${name}`, () => {
    const opened: EventLog[] = [];

    async function open(retention = 1_000): Promise<EventLog> {
      const log = await factory({ retention });
      opened.push(log);
      return log;
    }

    afterEach(async () => {
      for (const log of opened.splice(0)) {
        await log.close();
        await cleanup?.(log);
      }
    });

    it('is ready once open', async () => {
      const log = await open();
      await vi.waitFor(async () => expect(await log.isReady()).toBe(true), WAIT);
    });

    it('assigns an evt_ id to events without one and keeps the ids producers give', async () => {
      const log = await open();
      const [plain, withId] = sampleEvents('ten_a', 2);
      const given = 'evt_given_0001';
      const stored = await log.append([plain, { ...withId, id: given }]);
      expect(stored).toHaveLength(2);
      expect(stored[0]!.event.id).toMatch(EVENT_ID);
      expect(stored[0]!.event).toMatchObject(plain!);
      expect(stored[1]!.event.id).toBe(given);
      expect(stored[0]!.cursor).not.toBe(stored[1]!.cursor);
      const read = expectOk(await log.readAfter('ten_a', null, 10));
      expect(read.map((e) => e.event)).toEqual(stored.map((e) => e.event));
      expect(read.map((e) => e.cursor)).toEqual(stored.map((e) => e.cursor));
    });

    it('assigns a different id to every event', async () => {
      const log = await open();
      const stored = await log.append(sampleEvents('ten_a', 20));
      expect(new Set(ids(stored)).size).toBe(20);
    });

    it('appends nothing of a batch with an invalid event and reports its index and path', async () => {
      const log = await open();
      const received: StoredEvent[] = [];
      log.subscribe((e) => received.push(e));
      const [first, , third] = sampleEvents('ten_a', 3);
      const invalid = { ...sampleEvents('ten_a', 1)[0]!, data: { severity: 'apocalyptic' } };
      const error = await log.append([first, invalid, third, 'not an event']).catch((e) => e);
      expect(error).toBeInstanceOf(BatchValidationError);
      const issues = (error as BatchValidationError).issues;
      expect(issues.some((i) => i.index === 1 && i.path.startsWith('/data'))).toBe(true);
      expect(issues.some((i) => i.index === 3 && i.path === '')).toBe(true);
      expect(issues.every((i) => i.index === 1 || i.index === 3)).toBe(true);
      expect(expectOk(await log.readAfter('ten_a', null, 10))).toEqual([]);
      // The next valid append is the first event of the tenant, and the only one delivered.
      const [stored] = await log.append([first]);
      await vi.waitFor(() => expect(received).toHaveLength(1), WAIT);
      expect(received[0]!.cursor).toBe(stored!.cursor);
    });

    it('appends a batch retried with the same ids only once: same cursors, no growth, one delivery', async () => {
      const log = await open();
      const received: StoredEvent[] = [];
      log.subscribe((e) => received.push(e));
      const batch = sampleEvents('ten_a', 3).map((e, i) => ({ ...e, id: `evt_retry_${i}` }));
      const first = await log.append(batch);
      // The producer did not see the reply (e.g. BusUnavailableError) and sends the batch again.
      const again = await log.append(batch);
      expect(again.map((e) => e.cursor)).toEqual(first.map((e) => e.cursor));
      expect(again.map((e) => e.event)).toEqual(first.map((e) => e.event));
      // A retry mixed with new events and another tenant stores only what is new.
      const [fresh] = sampleEvents('ten_a', 1, 3);
      const [otherTenant] = sampleEvents('ten_b', 1);
      const mixed = await log.append([
        batch[1],
        fresh,
        { ...otherTenant!, id: 'evt_retry_0' }, // same id, other tenant: its own event
        batch[2],
      ]);
      expect(mixed[0]!.cursor).toBe(first[1]!.cursor);
      expect(mixed[3]!.cursor).toBe(first[2]!.cursor);
      expect(mixed[2]!.event.tenantId).toBe('ten_b');
      const all = await readAll(log, 'ten_a');
      expect(all.map((e) => e.cursor)).toEqual([...first, mixed[1]!].map((e) => e.cursor));
      expect(ids(await readAll(log, 'ten_b'))).toEqual(['evt_retry_0']);
      const [sentinel] = await log.append(sampleEvents('ten_c', 1));
      await vi.waitFor(() => expect(ids(received)).toContain(sentinel!.event.id), WAIT);
      expect(received.map((e) => e.cursor)).toEqual(
        [...first, mixed[1]!, mixed[2]!, sentinel!].map((e) => e.cursor),
      );
    });

    it('returns the stored event for a known id, even when the retry’s payload differs', async () => {
      const log = await open();
      const [original, altered] = sampleEvents('ten_a', 2);
      const [stored] = await log.append([{ ...original!, id: 'evt_same' }]);
      const [resolved] = await log.append([{ ...altered!, id: 'evt_same' }]);
      expect(resolved).toEqual(stored);
      expect(await readAll(log, 'ten_a')).toHaveLength(1);
    });

    it('resolves a repeated id inside one batch to its first occurrence', async () => {
      const log = await open();
      const received: StoredEvent[] = [];
      log.subscribe((e) => received.push(e));
      const [a, b, c] = sampleEvents('ten_a', 3);
      const stored = await log.append([
        { ...a!, id: 'evt_dup_a' },
        { ...b!, id: 'evt_dup_b' },
        { ...c!, id: 'evt_dup_a' },
      ]);
      expect(stored[2]).toEqual(stored[0]);
      expect(stored[1]!.cursor).not.toBe(stored[0]!.cursor);
      expect(ids(await readAll(log, 'ten_a'))).toEqual(['evt_dup_a', 'evt_dup_b']);
      await vi.waitFor(() => expect(received).toHaveLength(2), WAIT);
      expect(received.map((e) => e.cursor)).toEqual(stored.slice(0, 2).map((e) => e.cursor));
    });

    it('never de-duplicates events appended without an id', async () => {
      const log = await open();
      const batch = sampleEvents('ten_a', 2);
      const first = await log.append(batch);
      const again = await log.append(batch);
      expect(new Set(ids([...first, ...again])).size).toBe(4);
      expect(await readAll(log, 'ten_a')).toHaveLength(4);
    });

    it('appends an id again once its event was trimmed by retention (idempotence lasts the window)', async () => {
      const log = await open(3);
      const [old] = await log.append([{ ...sampleEvents('ten_a', 1)[0]!, id: 'evt_window' }]);
      await log.append(sampleEvents('ten_a', 2, 1));
      // Still retained: a retry resolves to it.
      expect(
        (await log.append([{ ...sampleEvents('ten_a', 1)[0]!, id: 'evt_window' }]))[0],
      ).toEqual(old);
      await log.append(sampleEvents('ten_a', 1, 3)); // trims evt_window
      const [again] = await log.append([{ ...sampleEvents('ten_a', 1)[0]!, id: 'evt_window' }]);
      expect(again!.cursor).not.toBe(old!.cursor);
      expect(log.compareCursors(old!.cursor, again!.cursor)).toBeLessThan(0);
      const retained = await readAll(log, 'ten_a');
      expect(retained).toHaveLength(3);
      expect(retained[2]!.cursor).toBe(again!.cursor);
      // Now it is the retained one again.
      const [retry] = await log.append([{ ...sampleEvents('ten_a', 1)[0]!, id: 'evt_window' }]);
      expect(retry!.cursor).toBe(again!.cursor);
    });

    it('keeps de-duplicating by id when one batch overflows the retention', async () => {
      const log = await open(2);
      const batch = sampleEvents('ten_a', 4).map((e, i) => ({ ...e, id: `evt_over_${i}` }));
      const stored = await log.append(batch);
      expect(ids(await readAll(log, 'ten_a'))).toEqual(['evt_over_2', 'evt_over_3']);
      // The retained ones resolve; the ones trimmed by the batch itself are appended anew.
      const again = await log.append(batch.slice(2));
      expect(again.map((e) => e.cursor)).toEqual(stored.slice(2).map((e) => e.cursor));
      const [revived] = await log.append([batch[0]]);
      expect(revived!.cursor).not.toBe(stored[0]!.cursor);
      expect(ids(await readAll(log, 'ten_a'))).toEqual(['evt_over_3', 'evt_over_0']);
    });

    it('appends nothing for an empty batch', async () => {
      const log = await open();
      expect(await log.append([])).toEqual([]);
      expect(expectOk(await log.readAfter('ten_a', null, 10))).toEqual([]);
    });

    it('reads from the oldest event when the cursor is null, at most limit events', async () => {
      const log = await open();
      const stored = await log.append(sampleEvents('ten_a', 5));
      expect(ids(expectOk(await log.readAfter('ten_a', null, 3)))).toEqual(ids(stored.slice(0, 3)));
      expect(expectOk(await log.readAfter('ten_a', null, 0))).toEqual([]);
      expect(expectOk(await log.readAfter('ten_nobody', null, 10))).toEqual([]);
    });

    it('reads the events strictly after a cursor, in append order, page by page', async () => {
      const log = await open();
      const stored = [
        ...(await log.append(sampleEvents('ten_a', 3))),
        ...(await log.append(sampleEvents('ten_a', 1, 3))),
        ...(await log.append(sampleEvents('ten_a', 3, 4))),
      ];
      const pages: string[][] = [];
      let cursor: string | null = null;
      for (;;) {
        const events = expectOk(await log.readAfter('ten_a', cursor, 3));
        if (events.length === 0) break;
        pages.push(ids(events));
        cursor = events[events.length - 1]!.cursor;
      }
      expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
      expect(pages.flat()).toEqual(ids(stored));
      expect(ids(expectOk(await log.readAfter('ten_a', stored[1]!.cursor, 2)))).toEqual(
        ids(stored.slice(2, 4)),
      );
      expect(expectOk(await log.readAfter('ten_a', stored[6]!.cursor, 10))).toEqual([]);
    });

    it('pages through a tenant’s log with a small limit while appends continue, each event once and in order', async () => {
      const log = await open();
      const appended: StoredEvent[] = [...(await log.append(sampleEvents('ten_a', 4)))];
      const collected: StoredEvent[] = [];
      let cursor: string | null = null;
      for (let round = 0; round < 100; round++) {
        const appending = round < 10;
        // Each page is read while the next appends (of this tenant and another) are under way.
        const [page, more] = await Promise.all([
          log.readAfter('ten_a', cursor, 3),
          appending ? log.append(sampleEvents('ten_a', 2, round)) : Promise.resolve([]),
          appending ? log.append(sampleEvents('ten_b', 1, round)) : Promise.resolve([]),
        ]);
        appended.push(...more);
        const events = expectOk(page);
        expect(events.length).toBeLessThanOrEqual(3);
        collected.push(...events);
        if (events.length > 0) cursor = events[events.length - 1]!.cursor;
        else if (!appending) break;
      }
      expect(collected.map((e) => e.cursor)).toEqual(appended.map((e) => e.cursor));
      expect(ids(collected)).toEqual(ids(appended));
    });

    it('starts a read without a cursor at the oldest retained event once older ones were trimmed', async () => {
      const log = await open(4);
      const stored = [
        ...(await log.append(sampleEvents('ten_a', 3))),
        ...(await log.append(sampleEvents('ten_a', 4, 3))),
        ...(await log.append(sampleEvents('ten_a', 3, 7))),
      ];
      const first = expectOk(await log.readAfter('ten_a', null, 2));
      expect(ids(first)).toEqual(ids(stored.slice(6, 8)));
      const rest = expectOk(await log.readAfter('ten_a', first[1]!.cursor, 10));
      expect(ids(rest)).toEqual(ids(stored.slice(8)));
      const later = await log.append(sampleEvents('ten_a', 2, 10));
      expect(ids(expectOk(await log.readAfter('ten_a', null, 1)))).toEqual(ids(stored.slice(8, 9)));
      expect(ids(expectOk(await log.readAfter('ten_a', null, 10)))).toEqual(
        ids([...stored.slice(8), ...later]),
      );
    });

    it('never returns one tenant’s events to another tenant', async () => {
      const log = await open();
      const a1 = await log.append(sampleEvents('ten_a', 2));
      const mixed = await log.append([...sampleEvents('ten_b', 2), ...sampleEvents('ten_a', 1)]);
      const b = mixed.slice(0, 2);
      const a = [...a1, mixed[2]!];
      expect(ids(await readAll(log, 'ten_a'))).toEqual(ids(a));
      expect(ids(await readAll(log, 'ten_b'))).toEqual(ids(b));
      // A cursor of tenant A, presented for B, never yields A's events.
      const crossed = await log.readAfter('ten_b', a[0]!.cursor, 10);
      if (crossed.status === 'ok') {
        expect(crossed.events.every((e) => e.event.tenantId === 'ten_b')).toBe(true);
      }
      // For a tenant without events, no cursor is known.
      expect((await log.readAfter('ten_c', a[0]!.cursor, 10)).status).toBe('unknown_cursor');
    });

    it('keeps the newest `retention` events per tenant; a cursor before them is cursor_trimmed', async () => {
      const log = await open(5);
      const stored = [
        ...(await log.append(sampleEvents('ten_a', 3))),
        ...(await log.append(sampleEvents('ten_a', 4, 3))),
        ...(await log.append(sampleEvents('ten_a', 1, 7))),
      ];
      const other = await log.append(sampleEvents('ten_b', 2));
      expect(ids(expectOk(await log.readAfter('ten_a', null, 100)))).toEqual(ids(stored.slice(3)));
      // The last trimmed event is still a place to resume from: nothing after it is missing.
      expect(ids(expectOk(await log.readAfter('ten_a', stored[2]!.cursor, 100)))).toEqual(
        ids(stored.slice(3)),
      );
      expect((await log.readAfter('ten_a', stored[1]!.cursor, 100)).status).toBe('cursor_trimmed');
      expect((await log.readAfter('ten_a', stored[0]!.cursor, 100)).status).toBe('cursor_trimmed');
      expect(ids(expectOk(await log.readAfter('ten_a', stored[3]!.cursor, 100)))).toEqual(
        ids(stored.slice(4)),
      );
      expect(ids(expectOk(await log.readAfter('ten_b', null, 100)))).toEqual(ids(other));
    });

    it('gives an empty tenant an origin cursor that reads every event appended after it, until one is trimmed', async () => {
      const log = await open(3);
      const origin = await log.originCursor('ten_a');
      expect(expectOk(await log.readAfter('ten_a', origin, 10))).toEqual([]);
      const stored = await log.append(sampleEvents('ten_a', 2));
      expect(await log.originCursor('ten_a')).toBe(origin);
      expect(ids(expectOk(await log.readAfter('ten_a', origin, 10)))).toEqual(ids(stored));
      expect(log.compareCursors(origin, stored[0]!.cursor)).toBeLessThan(0);
      expect(log.compareCursors(stored[0]!.cursor, origin)).toBeGreaterThan(0);
      // Another tenant's origin is not this tenant's events.
      const other = await log.originCursor('ten_b');
      expect(expectOk(await log.readAfter('ten_b', other, 10))).toEqual([]);
      await log.append(sampleEvents('ten_a', 2, 2));
      expect((await log.readAfter('ten_a', origin, 10)).status).toBe('cursor_trimmed');
    });

    it('answers unknown_cursor for malformed cursors and cursors of another log', async () => {
      const log = await open();
      const other = await open();
      await log.append(sampleEvents('ten_a', 3));
      const [foreign] = await other.append(sampleEvents('ten_a', 1));
      for (const cursor of ['', 'garbage', '0', '-1', 'x-1', 'a.b', '1-0', '\n', foreign!.cursor]) {
        expect((await log.readAfter('ten_a', cursor, 10)).status, cursor).toBe('unknown_cursor');
      }
    });

    it('delivers every appended event to a subscriber once, in per-tenant append order', async () => {
      const log = await open();
      const received: StoredEvent[] = [];
      log.subscribe((e) => received.push(e));
      const appended: StoredEvent[] = [];
      appended.push(...(await log.append(sampleEvents('ten_a', 3))));
      appended.push(
        ...(await log.append([...sampleEvents('ten_b', 2), ...sampleEvents('ten_a', 2)])),
      );
      appended.push(...(await log.append(sampleEvents('ten_b', 1))));
      const [sentinel] = await log.append(sampleEvents('ten_c', 1));
      await vi.waitFor(() => expect(ids(received)).toContain(sentinel!.event.id), WAIT);
      for (const tenant of ['ten_a', 'ten_b']) {
        const got = received.filter((e) => e.event.tenantId === tenant);
        const want = appended.filter((e) => e.event.tenantId === tenant);
        expect(got.map((e) => e.cursor)).toEqual(want.map((e) => e.cursor));
        expect(ids(got)).toEqual(ids(want));
      }
      expect(received).toHaveLength(appended.length + 1);
    });

    it('delivers to every subscriber, stops after unsubscribe, and unsubscribe is idempotent', async () => {
      const log = await open();
      const first: string[] = [];
      const second: string[] = [];
      const stop = log.subscribe((e) => first.push(e.event.id));
      log.subscribe((e) => second.push(e.event.id));
      const [one] = await log.append(sampleEvents('ten_a', 1));
      await vi.waitFor(() => expect(first).toEqual([one!.event.id]), WAIT);
      stop();
      stop();
      const [two] = await log.append(sampleEvents('ten_a', 1));
      await vi.waitFor(() => expect(second).toEqual([one!.event.id, two!.event.id]), WAIT);
      expect(first).toEqual([one!.event.id]);
    });

    it('keeps appending and delivering when a listener throws', async () => {
      const log = await open();
      const received: string[] = [];
      log.subscribe(() => {
        throw new Error('listener failure');
      });
      log.subscribe((e) => received.push(e.event.id));
      const stored = await log.append(sampleEvents('ten_a', 2));
      const more = await log.append(sampleEvents('ten_a', 1));
      await vi.waitFor(() => expect(received).toEqual(ids([...stored, ...more])), WAIT);
    });

    it('lets listeners see a batch only once all of it is stored', async () => {
      const log = await open();
      const reads: Promise<ReadResult>[] = [];
      log.subscribe((e) => {
        if (reads.length === 0) reads.push(log.readAfter(e.event.tenantId, null, 100));
      });
      const stored = await log.append(sampleEvents('ten_a', 4));
      await vi.waitFor(() => expect(reads).toHaveLength(1), WAIT);
      expect(ids(expectOk(await reads[0]!))).toEqual(ids(stored));
    });

    it('orders cursors with compareCursors as their events were appended', async () => {
      const log = await open();
      const stored = [
        ...(await log.append(sampleEvents('ten_a', 2))),
        ...(await log.append(sampleEvents('ten_a', 3))),
        ...(await log.append(sampleEvents('ten_a', 1))),
      ];
      for (let i = 0; i < stored.length; i++) {
        for (let j = 0; j < stored.length; j++) {
          const sign = Math.sign(log.compareCursors(stored[i]!.cursor, stored[j]!.cursor));
          expect(sign, `${i} vs ${j}`).toBe(Math.sign(i - j));
        }
      }
    });

    it('keeps one total order, consistent with cursors, under concurrent appends to a tenant', async () => {
      const log = await open();
      const batches = await Promise.all(
        Array.from({ length: 10 }, (_, i) => log.append(sampleEvents('ten_a', 3, i))),
      );
      const read = await readAll(log, 'ten_a');
      expect(read).toHaveLength(30);
      for (let i = 1; i < read.length; i++) {
        expect(log.compareCursors(read[i - 1]!.cursor, read[i]!.cursor)).toBeLessThan(0);
      }
      const position = new Map(read.map((e, i) => [e.cursor, i]));
      for (const batch of batches) {
        const at = batch.map((e) => position.get(e.cursor));
        // Each batch is contiguous and in its own order.
        expect(at).toEqual([at[0], at[0]! + 1, at[0]! + 2]);
        expect(ids(batch)).toEqual(ids(read.slice(at[0]!, at[0]! + 3)));
      }
    });

    it('returns exactly the retained suffix after any cursor (property)', async () => {
      const retention = 6;
      const log = await open(retention);
      let run = 0;
      const command = fc.oneof(
        fc.record({
          kind: fc.constant('append' as const),
          tenant: fc.nat(1),
          count: fc.integer({ min: 1, max: 3 }),
        }),
        fc.record({
          kind: fc.constant('read' as const),
          tenant: fc.nat(1),
          pick: fc.option(fc.nat(), { nil: null }),
          limit: fc.integer({ min: 1, max: 8 }),
        }),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(command, { maxLength: 12 }), async (commands) => {
          run++;
          const tenants = [`ten_p${run}a`, `ten_p${run}b`];
          const model: StoredEvent[][] = [[], []];
          for (const c of commands) {
            const tenantId = tenants[c.tenant]!;
            const appended = model[c.tenant]!;
            if (c.kind === 'append') {
              appended.push(...(await log.append(sampleEvents(tenantId, c.count, run))));
              continue;
            }
            const oldest = Math.max(0, appended.length - retention);
            const at = c.pick === null || appended.length === 0 ? null : c.pick % appended.length;
            const result = await log.readAfter(
              tenantId,
              at === null ? null : appended[at]!.cursor,
              c.limit,
            );
            if (at !== null && at < oldest - 1) {
              expect(result.status).toBe('cursor_trimmed');
              continue;
            }
            const from = at === null ? oldest : at + 1;
            const want = appended.slice(from, from + c.limit);
            const got = expectOk(result);
            expect(got.map((e) => e.cursor)).toEqual(want.map((e) => e.cursor));
            expect(ids(got)).toEqual(ids(want));
          }
        }),
        { numRuns: 50 },
      );
    });
  });
}
