import {
  createMemoryEventLog,
  type EventLog,
  type ReadResult,
  type StoredEvent,
} from '@causeflow/bus';
import { describe, expect, it } from 'vitest';
import { incidentCreated, userCreated } from '../../test/helpers.js';
import { FILTERED_SCAN_BUDGET, readPage } from './events.js';

const TENANT = 'ten_page';
const isIncident = (s: StoredEvent) => s.event.event === 'incident.created';

/** A log that counts its reads and the limits asked for. */
function counting(log: EventLog): EventLog & { reads: { cursor: string | null; limit: number }[] } {
  const reads: { cursor: string | null; limit: number }[] = [];
  return {
    ...log,
    reads,
    readAfter(tenantId: string, cursor: string | null, limit: number): Promise<ReadResult> {
      reads.push({ cursor, limit });
      return log.readAfter(tenantId, cursor, limit);
    },
  };
}

/** `count` events alternating user.created / incident.created (incidents at odd indexes). */
async function mixed(log: EventLog, count: number): Promise<StoredEvent[]> {
  return log.append(
    Array.from({ length: count }, (_, i) =>
      i % 2 === 0 ? userCreated(TENANT) : incidentCreated(TENANT, i),
    ),
  );
}

describe('readPage', () => {
  it('pages through every event in order with one range read of limit + 1 per page', async () => {
    const log = counting(createMemoryEventLog({ retention: 100 }));
    const stored = await mixed(log, 7);
    const first = await readPage(log, { tenantId: TENANT, after: null, limit: 3 });
    expect(first.events.map((e) => e.cursor)).toEqual(stored.slice(0, 3).map((s) => s.cursor));
    expect(first).toMatchObject({ next: stored[2]!.cursor, hasMore: true, reset: false });
    expect(first.events[0]!.event).toEqual(stored[0]!.event);
    const second = await readPage(log, { tenantId: TENANT, after: first.next, limit: 3 });
    const third = await readPage(log, { tenantId: TENANT, after: second.next, limit: 3 });
    expect(third.events.map((e) => e.cursor)).toEqual([stored[6]!.cursor]);
    expect(third).toMatchObject({ next: stored[6]!.cursor, hasMore: false });
    expect(log.reads).toEqual([
      { cursor: null, limit: 4 },
      { cursor: stored[2]!.cursor, limit: 4 },
      { cursor: stored[5]!.cursor, limit: 4 },
    ]);
  });

  it('says hasMore: false when the page ends exactly at the newest event', async () => {
    const log = createMemoryEventLog({ retention: 100 });
    const stored = await mixed(log, 4);
    const page = await readPage(log, { tenantId: TENANT, after: stored[0]!.cursor, limit: 3 });
    expect(page.events).toHaveLength(3);
    expect(page).toMatchObject({ next: stored[3]!.cursor, hasMore: false, reset: false });
  });

  it('answers an empty page with next = after when nothing follows it, so polling stays in place', async () => {
    const log = createMemoryEventLog({ retention: 100 });
    const stored = await mixed(log, 2);
    const page = await readPage(log, { tenantId: TENANT, after: stored[1]!.cursor, limit: 10 });
    expect(page).toEqual({ events: [], next: stored[1]!.cursor, hasMore: false, reset: false });
  });

  it('answers the origin cursor as next for a tenant without events, which then reads its first event', async () => {
    const log = createMemoryEventLog({ retention: 100 });
    const origin = await log.originCursor(TENANT);
    expect(await readPage(log, { tenantId: TENANT, after: null, limit: 10 })).toEqual({
      events: [],
      next: origin,
      hasMore: false,
      reset: false,
    });
    // An unknown cursor on an empty log: a reset, and the origin to continue from.
    expect(await readPage(log, { tenantId: TENANT, after: 'garbage', limit: 10 })).toEqual({
      events: [],
      next: origin,
      hasMore: false,
      reset: true,
    });
    const [first] = await log.append([userCreated(TENANT)]);
    const page = await readPage(log, { tenantId: TENANT, after: origin, limit: 10 });
    expect(page).toMatchObject({ next: first!.cursor, reset: false });
    expect(page.events.map((e) => e.cursor)).toEqual([first!.cursor]);
  });

  it('starts at the oldest retained event with reset: true for an unknown or trimmed cursor', async () => {
    const log = createMemoryEventLog({ retention: 3 });
    const stored = await mixed(log, 6);
    for (const after of ['nope', stored[0]!.cursor]) {
      const page = await readPage(log, { tenantId: TENANT, after, limit: 2 });
      expect(page.events.map((e) => e.cursor)).toEqual([stored[3]!.cursor, stored[4]!.cursor]);
      expect(page).toMatchObject({ next: stored[4]!.cursor, hasMore: true, reset: true });
    }
  });

  it('with a filter, next is the last event scanned, so skipped events are never read again', async () => {
    const log = createMemoryEventLog({ retention: 100 });
    const stored = await mixed(log, 8); // incidents at 1, 3, 5, 7
    const page = await readPage(log, {
      tenantId: TENANT,
      after: null,
      limit: 2,
      filter: isIncident,
    });
    expect(page.events.map((e) => e.cursor)).toEqual([stored[1]!.cursor, stored[3]!.cursor]);
    // The user.created at 4 was scanned and skipped; the page stops before the incident at 5.
    expect(page).toMatchObject({ next: stored[4]!.cursor, hasMore: true });
    const rest = await readPage(log, {
      tenantId: TENANT,
      after: page.next,
      limit: 2,
      filter: isIncident,
    });
    expect(rest.events.map((e) => e.cursor)).toEqual([stored[5]!.cursor, stored[7]!.cursor]);
    expect(rest).toMatchObject({ next: stored[7]!.cursor, hasMore: false });
  });

  it('with a filter, advances next past events that match nothing even when the page is empty', async () => {
    const log = createMemoryEventLog({ retention: 100 });
    const stored = await log.append([userCreated(TENANT), userCreated(TENANT)]);
    const page = await readPage(log, {
      tenantId: TENANT,
      after: null,
      limit: 5,
      filter: isIncident,
    });
    expect(page).toEqual({ events: [], next: stored[1]!.cursor, hasMore: false, reset: false });
  });

  it('with a filter, scans at most the budget per page and says hasMore when it stopped there', async () => {
    const log = counting(createMemoryEventLog({ retention: 100 }));
    const stored = await log.append([
      ...Array.from({ length: 9 }, () => userCreated(TENANT)),
      incidentCreated(TENANT, 1),
    ]);
    const request = { tenantId: TENANT, limit: 2, filter: isIncident, scanBudget: 4 };
    const first = await readPage(log, { ...request, after: null });
    expect(first).toEqual({ events: [], next: stored[3]!.cursor, hasMore: true, reset: false });
    const second = await readPage(log, { ...request, after: first.next });
    expect(second).toMatchObject({ events: [], next: stored[7]!.cursor, hasMore: true });
    const third = await readPage(log, { ...request, after: second.next });
    expect(third.events.map((e) => e.cursor)).toEqual([stored[9]!.cursor]);
    expect(third).toMatchObject({ next: stored[9]!.cursor, hasMore: false });
    expect(log.reads.map((r) => r.limit)).toEqual([5, 5, 5]);
  });

  it('never scans fewer events than the limit, and by default scans FILTERED_SCAN_BUDGET', async () => {
    const log = counting(createMemoryEventLog({ retention: 100 }));
    await readPage(log, {
      tenantId: TENANT,
      after: null,
      limit: 10,
      filter: isIncident,
      scanBudget: 2,
    });
    await readPage(log, { tenantId: TENANT, after: null, limit: 10, filter: isIncident });
    expect(log.reads.map((r) => r.limit)).toEqual([11, FILTERED_SCAN_BUDGET + 1]);
  });
});
