/**
 * The hand-over scenarios between the SSE stream and REST catch-up, written once and run against
 * one memory-log server (`handover.test.ts`) and two instances sharing Redis
 * (`handover.redis.test.ts`). Events keep being published while the consumer switches channels;
 * "no duplicate" is proven by stopping the publisher, publishing a sentinel and reading until it
 * arrives: everything received before it is compared with the log, in order.
 */
import type { EventLog, StoredEvent } from '@causeflow/bus';
import type { CauseFlowEvent } from '@causeflow/events';
import type { EventSourceMessage } from 'eventsource-parser';
import { expect } from 'vitest';
import { incidentCreated, openStream, type RawStream, until, userCreated } from './helpers.js';
import { page } from './rest.support.js';

const STREAM = '/v1/notifications/stream';

/** Where the scenario publishes, pages and streams. */
export interface HandoverSetup {
  readonly tenant: string;
  /** A token of `tenant` with `events:read`. */
  readonly token: string;
  /** Appends events (on one instance). */
  publish(events: unknown[]): Promise<StoredEvent[]>;
  /** The log the oracle reads (any instance's). */
  readonly log: EventLog;
  /** REST pages go to these base URLs in turn. */
  readonly restUrls: readonly string[];
  /** Streams are opened on this base URL. */
  readonly streamUrl: string;
  /** Registers cleanup (closing streams). */
  cleanup(fn: () => unknown): void;
}

/** A filter applied to both channels, and its meaning for the oracle. */
export interface ScenarioFilter {
  readonly query: Record<string, string>;
  readonly matches: (event: StoredEvent['event']) => boolean;
}

/** No filter: every event. */
export const EVERYTHING: ScenarioFilter = { query: {}, matches: () => true };

/** A publisher that keeps appending (incident.created and user.created in turn) until stopped. */
export function keepPublishing(setup: HandoverSetup): { count(): number; stop(): Promise<void> } {
  let stopped = false;
  let count = 0;
  const loop = (async () => {
    while (!stopped) {
      const n = count + 1;
      await setup.publish([n % 2 ? incidentCreated(setup.tenant, n) : userCreated(setup.tenant)]);
      count = n;
      // Pacing only (lets HTTP requests interleave); nothing is asserted on time.
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  })();
  return {
    count: () => count,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

/** The sentinel: an `incident.created` (so every filter of the scenarios lets it through). */
export function sentinel(tenant: string): { event: CauseFlowEvent; is: (e: unknown) => boolean } {
  const incidentId = `inc_SENTINEL_${Math.random().toString(36).slice(2, 10)}`;
  return {
    event: incidentCreated(tenant, 0, incidentId),
    is: (e) => (e as { data?: { incidentId?: unknown } }).data?.incidentId === incidentId,
  };
}

/** Every event of the tenant after `after`, in log order (the oracle). */
export async function logAfter(
  log: EventLog,
  tenant: string,
  after: string,
): Promise<StoredEvent[]> {
  const all: StoredEvent[] = [];
  let cursor = after;
  for (;;) {
    const read = await log.readAfter(tenant, cursor, 1000);
    if (read.status !== 'ok') throw new Error(`oracle read: ${read.status}`);
    if (read.events.length === 0) return all;
    all.push(...read.events);
    cursor = read.events.at(-1)!.cursor;
  }
}

function streamUrl(setup: HandoverSetup, filter: ScenarioFilter): string {
  const query = new URLSearchParams(filter.query).toString();
  return `${setup.streamUrl}${STREAM}${query === '' ? '' : `?${query}`}`;
}

export async function stream(setup: HandoverSetup, filter: ScenarioFilter, lastEventId: string) {
  const s: RawStream = await openStream(streamUrl(setup, filter), {
    token: setup.token,
    headers: { 'Last-Event-ID': lastEventId },
  });
  setup.cleanup(() => s.close());
  expect(s.response.status).toBe(200);
  return s;
}

const catalogEvents = (s: RawStream): EventSourceMessage[] => s.events();

/** Checks that `received` (cursor, envelope) is exactly the filtered log after `after`. */
export async function expectExactly(
  setup: HandoverSetup,
  filter: ScenarioFilter,
  after: string,
  received: readonly { cursor: string; event: unknown }[],
): Promise<void> {
  const expected = (await logAfter(setup.log, setup.tenant, after)).filter((s) =>
    filter.matches(s.event),
  );
  expect(received.map((r) => r.cursor)).toEqual(expected.map((s) => s.cursor));
  expect(received.map((r) => r.event)).toEqual(expected.map((s) => s.event));
}

/**
 * Stream → REST: a consumer streams, drops, and pages the rest over REST from its last `id:`
 * while events keep coming; it ends with every event exactly once.
 */
export async function streamThenRest(setup: HandoverSetup, filter: ScenarioFilter): Promise<void> {
  const [start] = await setup.publish([userCreated(setup.tenant)]);
  const live = await stream(setup, filter, start!.cursor);
  const publisher = keepPublishing(setup);
  await live.waitFor(10, (m) => m.event === 'incident.created');
  const taken = catalogEvents(live).slice();
  live.close();
  const fromStream = taken.map((m) => ({ cursor: m.id!, event: JSON.parse(m.data) as unknown }));
  const mark = sentinel(setup.tenant);
  const fromRest: { cursor: string; event: unknown }[] = [];
  let after = fromStream.at(-1)!.cursor;
  for (let pages = 1; !fromRest.some((item) => mark.is(item.event)); pages++) {
    const url = setup.restUrls[pages % setup.restUrls.length]!;
    const p = await page(url, setup.token, { ...filter.query, after, limit: '5' });
    fromRest.push(...p.events);
    after = p.next!;
    if (pages === 1) {
      const seen = publisher.count();
      await until(() => publisher.count() >= seen + 10, 10_000, 'more events while paging');
    }
    if (pages === 3) {
      await publisher.stop();
      await setup.publish([mark.event]);
    }
    if (pages > 10_000) throw new Error('the sentinel never came');
  }
  await expectExactly(setup, filter, start!.cursor, [...fromStream, ...fromRest]);
}

/**
 * REST → stream: a consumer pages over REST while events keep coming, then opens the stream with
 * the last page's `next` as `Last-Event-ID`; it ends with every event exactly once.
 */
export async function restThenStream(setup: HandoverSetup, filter: ScenarioFilter): Promise<void> {
  const [start] = await setup.publish([userCreated(setup.tenant)]);
  const publisher = keepPublishing(setup);
  await until(() => publisher.count() >= 20, 10_000, 'events to page');
  const fromRest: { cursor: string; event: unknown }[] = [];
  let after = start!.cursor;
  for (let pages = 0; pages < 3; pages++) {
    const url = setup.restUrls[pages % setup.restUrls.length]!;
    const p = await page(url, setup.token, { ...filter.query, after, limit: '5' });
    fromRest.push(...p.events);
    after = p.next!;
  }
  const live = await stream(setup, filter, after);
  const seen = publisher.count();
  await until(() => publisher.count() >= seen + 10, 10_000, 'more events while streaming');
  await publisher.stop();
  const mark = sentinel(setup.tenant);
  await setup.publish([mark.event]);
  await live.waitFor(1, (m) => m.event === 'incident.created' && mark.is(JSON.parse(m.data)));
  const fromStream = catalogEvents(live).map((m) => ({
    cursor: m.id!,
    event: JSON.parse(m.data) as unknown,
  }));
  expect(live.messages.some((m) => m.event === 'stream.reset')).toBe(false);
  await expectExactly(setup, filter, start!.cursor, [...fromRest, ...fromStream]);
}

/**
 * The issue's "Done when": publish 50 events, read 20 with `limit=20`, pass `next` as
 * `Last-Event-ID` to the stream and receive exactly the other 30, then live events.
 */
export async function doneWhen(setup: HandoverSetup): Promise<void> {
  const stored = await setup.publish(
    Array.from({ length: 50 }, (_, i) => incidentCreated(setup.tenant, i + 1)),
  );
  const first = await page(setup.restUrls[0]!, setup.token, { limit: '20' });
  expect(first.events.map((e) => e.cursor)).toEqual(stored.slice(0, 20).map((s) => s.cursor));
  expect(first).toMatchObject({ next: stored[19]!.cursor, hasMore: true, reset: false });
  const live = await stream(setup, EVERYTHING, first.next!);
  await live.waitFor(30, (m) => m.event === 'incident.created');
  const later = await setup.publish([incidentCreated(setup.tenant, 51), userCreated(setup.tenant)]);
  const mark = sentinel(setup.tenant);
  const [last] = await setup.publish([mark.event]);
  await live.waitFor(1, (m) => m.id === last!.cursor);
  expect(live.events().map((m) => m.id)).toEqual(
    [...stored.slice(20), ...later, last!].map((s) => s.cursor),
  );
  expect(live.messages.some((m) => m.event === 'stream.reset')).toBe(false);
}
