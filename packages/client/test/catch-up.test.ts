// REST catch-up (`listEvents`) and `openStream({ catchUp: true })` against the real stream server
// (its `GET /v1/events` and its SSE stream, on one ephemeral port).
import type { CauseFlowEvent } from '@causeflow/events';
import { startTestServer, type TestServer } from '@causeflow/stream-server/testing';
import { EventSource } from 'eventsource';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CauseFlowStreamError,
  type EventPage,
  listEvents,
  openEventSourceWithTicket,
  openStream,
} from '../src/index.js';
import type { CauseFlowStream } from '../src/stream.js';
import { sample, waitFor } from './fixtures.js';
import { jsonError, startRawServer } from './raw-server.js';

const TENANT = 'ten_test';
const fast = { initialMs: 20, maxMs: 200 };
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Server {
  readonly url: string;
  readonly stream: TestServer;
  /** The query of every `GET /v1/events` made through `fetch`. */
  readonly pages: URLSearchParams[];
  /** A fetch that records REST page queries, for `listEvents` / `openStream`. */
  readonly fetch: typeof fetch;
}

async function server(): Promise<Server> {
  const stream = await startTestServer({ config: { retryMs: 50 } });
  cleanups.push(() => stream.close());
  const pages: URLSearchParams[] = [];
  const recording: typeof fetch = (input, init) => {
    const url = new URL(String(input));
    if (url.pathname === '/v1/events') pages.push(url.searchParams);
    return fetch(input, init);
  };
  return { url: stream.url, stream, pages, fetch: recording };
}

function track<S extends CauseFlowStream>(stream: S): S {
  cleanups.push(() => stream.close());
  return stream;
}

function numbered(n: number, incidentId = 'inc_catch'): CauseFlowEvent {
  const event = sample('investigation.progress', { tenantId: TENANT, incidentId });
  (event.data as { message: string }).message = `step ${n}`;
  return event;
}

const stepOf = (e: CauseFlowEvent) =>
  Number(((e.data as { message?: string }).message ?? '').replace('step ', ''));

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('listEvents', () => {
  it('reads one typed page with await, and every page with for await', async () => {
    const s = await server();
    const stored = await s.stream.publish(range(0, 50).map((n) => numbered(n)));
    const token = await s.stream.token();
    const first = await listEvents({ url: s.url, token, limit: 20, fetch: s.fetch });
    expect(first.events.map((e) => stepOf(e.event))).toEqual(range(0, 20));
    expect(first).toMatchObject({ hasMore: true, reset: false, next: stored[19]?.cursor });
    expect(first.events[0]?.cursor).toBe(stored[0]?.cursor);
    const pages: EventPage[] = [];
    for await (const page of listEvents({
      url: s.url,
      token,
      limit: 20,
      after: first.next,
      fetch: s.fetch,
    })) {
      pages.push(page);
    }
    expect(pages.map((p) => p.events.length)).toEqual([20, 10]);
    expect(pages.flatMap((p) => p.events.map((e) => stepOf(e.event)))).toEqual(range(20, 50));
    expect(pages.at(-1)).toMatchObject({ hasMore: false, next: stored[49]?.cursor });
    expect(s.pages.map((q) => q.get('after'))).toEqual([
      null,
      stored[19]?.cursor,
      stored[39]?.cursor,
    ]);
  });

  it('sends the filters and the bearer token, and asks the token source again after a 401', async () => {
    const s = await server();
    await s.stream.publish([
      numbered(1, 'inc_a'),
      sample('incident.created', { tenantId: TENANT, incidentId: 'inc_a' }),
      numbered(2, 'inc_b'),
    ]);
    const tokens = [await s.stream.token({ expiresInSeconds: -60 }), await s.stream.token()];
    let calls = 0;
    const page = await listEvents({
      url: s.url,
      fetch: s.fetch,
      token: () => tokens[Math.min(calls++, 1)] as string,
      events: ['investigation.*'],
      incidentId: 'inc_a',
    });
    expect(calls).toBe(2);
    expect(page.events.map((e) => stepOf(e.event))).toEqual([1]);
    expect(s.pages.at(-1)?.get('events')).toBe('investigation.*');
    expect(s.pages.at(-1)?.get('incidentId')).toBe('inc_a');
  });

  it('reports reset when the cursor is unknown, starting at the oldest retained event', async () => {
    const s = await server();
    await s.stream.publish([numbered(1), numbered(2)]);
    const page = await listEvents({ url: s.url, token: await s.stream.token(), after: 'nope' });
    expect(page.reset).toBe(true);
    expect(page.events.map((e) => stepOf(e.event))).toEqual([1, 2]);
  });

  it('keeps unknown and invalid items out of events, in skipped, with next still past them', async () => {
    const newer = { event: 'billing.invoiced', tenantId: TENANT, timestamp: 'x', data: {} };
    const bad = { ...sample('incident.created'), data: {} };
    const good = sample('user.created');
    const s = await startRawServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          events: [
            { cursor: 'c1', event: newer },
            { cursor: 'c2', event: bad },
            { cursor: 'c3', event: good },
          ],
          next: 'c3',
          hasMore: false,
          reset: false,
        }),
      );
    });
    cleanups.push(() => s.close());
    const page = await listEvents({ url: s.url, token: 't' });
    expect(page.events).toEqual([{ cursor: 'c3', event: good }]);
    expect(page.skipped.map((k) => [k.cursor, k.errors.length > 0])).toEqual([
      ['c1', false],
      ['c2', true],
    ]);
    expect(page.next).toBe('c3');
  });

  it('refuses a response that is not a page, and a server without the route, with typed errors', async () => {
    const s = await startRawServer((req, res) => {
      if (req.url?.startsWith('/missing')) return jsonError(res, 404, 'not_found');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ events: 'nope', hasMore: false }));
    });
    cleanups.push(() => s.close());
    const bad = await listEvents({ url: s.url, token: 't' }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(CauseFlowStreamError);
    expect(bad).toMatchObject({ code: 'bad_response' });
    const missing = await listEvents({ url: `${s.url}/missing`, token: 't' }).catch((e) => e);
    expect(missing).toMatchObject({ status: 404, fatal: true });
  });
});

describe('openStream({ catchUp: true })', () => {
  it('pages what it missed over REST, then streams live from the last cursor, with no gap or duplicate while events keep coming', async () => {
    const s = await server();
    const stored = await s.stream.publish(range(0, 50).map((n) => numbered(n)));
    const stream = track(
      openStream({
        url: s.url,
        token: () => s.stream.token(),
        lastEventId: stored[19]?.cursor,
        catchUp: true,
        fetch: s.fetch,
        backoff: fast,
      }),
    );
    const received: number[] = [];
    stream.on('investigation.progress', (e) => {
      received.push(stepOf(e));
    });
    // A publisher racing the switch from REST to the stream.
    let n = 50;
    const publishing = (async () => {
      for (; n < 120; n += 1) {
        await s.stream.publish([numbered(n)]);
        await new Promise((r) => setImmediate(r));
      }
    })();
    await publishing;
    await waitFor(() => received.includes(119), 10_000, 'the last published event');
    expect(received).toEqual(range(20, 120));
    expect(s.pages[0]?.get('after')).toBe(stored[19]?.cursor);
    expect(stream.lastEventId).toEqual(expect.any(String));
  });

  it('resumes the stream with the cursor of the last REST page (Last-Event-ID)', async () => {
    const s = await server();
    const stored = await s.stream.publish(range(0, 30).map((n) => numbered(n)));
    const seen: (string | undefined)[] = [];
    const recording: typeof fetch = (input, init) => {
      if (String(input).includes('/notifications/stream')) {
        seen.push(new Headers(init?.headers).get('last-event-id') ?? undefined);
      }
      return fetch(input, init);
    };
    const stream = track(
      openStream({
        url: s.url,
        token: () => s.stream.token(),
        catchUp: true,
        fetch: recording,
        backoff: fast,
      }),
    );
    const received: number[] = [];
    stream.on('investigation.progress', (e) => {
      received.push(stepOf(e));
    });
    await waitFor(() => stream.state === 'open', 5000, 'open');
    await s.stream.publish([numbered(30)]);
    await waitFor(() => received.includes(30), 5000, 'a live event');
    expect(received).toEqual(range(0, 31));
    expect(seen[0]).toBe(stored[29]?.cursor);
  });

  it("joins the stream at the page's next cursor, past events the filter dropped", async () => {
    const s = await server();
    await s.stream.publish(range(0, 3).map((n) => numbered(n)));
    const dropped = await s.stream.publish([
      sample('user.created', { tenantId: TENANT }),
      sample('user.created', { tenantId: TENANT }),
    ]);
    const seen: (string | undefined)[] = [];
    const recording: typeof fetch = (input, init) => {
      if (String(input).includes('/notifications/stream')) {
        seen.push(new Headers(init?.headers).get('last-event-id') ?? undefined);
      }
      return fetch(input, init);
    };
    const stream = track(
      openStream({
        url: s.url,
        token: () => s.stream.token(),
        events: ['investigation.*'],
        catchUp: true,
        fetch: recording,
        backoff: fast,
      }),
    );
    const received: number[] = [];
    stream.on('investigation.progress', (e) => {
      received.push(stepOf(e));
    });
    await waitFor(() => stream.state === 'open', 5000, 'open');
    expect(received).toEqual([0, 1, 2]);
    expect(seen[0]).toBe(dropped[1]?.cursor);
  });

  it('catches up the same way on the ticket transport', async () => {
    const s = await server();
    const stored = await s.stream.publish(range(0, 10).map((n) => numbered(n)));
    const stream = track(
      openEventSourceWithTicket({
        url: s.url,
        token: () => s.stream.token(),
        lastEventId: stored[4]?.cursor,
        catchUp: true,
        EventSource,
        backoff: fast,
      }),
    );
    const received: number[] = [];
    stream.on('investigation.progress', (e) => {
      received.push(stepOf(e));
    });
    await waitFor(() => stream.state === 'open', 5000, 'open');
    await s.stream.publish([numbered(10)]);
    await waitFor(() => received.includes(10), 5000, 'a live event');
    expect(received).toEqual(range(5, 11));
  });
});

/** Resolves when `received` gets the event numbered `step` (checked on every delivery). */
function arrival(stream: CauseFlowStream, received: number[], step: number): Promise<void> {
  return new Promise((resolve) => {
    stream.on('investigation.progress', (e) => {
      received.push(stepOf(e));
      if (stepOf(e) === step) resolve();
    });
  });
}

describe('issue #13, done when: 50 published, 20 read over REST, the rest from the stream', () => {
  const SENTINEL = 1_000_000;

  it('openStream({ lastEventId: page.next }) receives exactly the other 30, then live events', async () => {
    const s = await server();
    await s.stream.publish(range(0, 50).map((n) => numbered(n)));
    const page = await listEvents({ url: s.url, token: await s.stream.token(), limit: 20 });
    expect(page.events.map((e) => stepOf(e.event))).toEqual(range(0, 20));
    const stream = track(
      openStream({
        url: s.url,
        token: () => s.stream.token(),
        lastEventId: page.next,
        backoff: fast,
      }),
    );
    const received: number[] = [];
    const done = arrival(stream, received, SENTINEL);
    const replayed = arrival(stream, [], 49);
    await replayed;
    await s.stream.publish([numbered(50), numbered(51), numbered(SENTINEL)]);
    await done;
    expect(received).toEqual([...range(20, 52), SENTINEL]);
  });

  it('openStream({ catchUp: true }) switches from REST to live with no gap or duplicate while events keep being published', async () => {
    const s = await server();
    await s.stream.publish(range(0, 50).map((n) => numbered(n)));
    const page = await listEvents({ url: s.url, token: await s.stream.token(), limit: 20 });
    const stream = track(
      openStream({
        url: s.url,
        token: () => s.stream.token(),
        lastEventId: page.next,
        catchUp: true,
        fetch: s.fetch,
        backoff: fast,
      }),
    );
    const received: number[] = [];
    const done = arrival(stream, received, SENTINEL);
    // Keep publishing, one event per turn, until the stream has delivered a live event (one
    // published after it opened), so the switch happens while events are coming in.
    let n = 50;
    let liveSeen = false;
    stream.on('investigation.progress', (e) => {
      if (stream.state === 'open' && stepOf(e) >= 50) liveSeen = true;
    });
    while (!liveSeen) {
      await s.stream.publish([numbered(n++)]);
      await new Promise((r) => setImmediate(r));
    }
    await s.stream.publish([numbered(SENTINEL)]);
    await done;
    expect(received).toEqual([...range(20, n), SENTINEL]);
    expect(s.pages[0]?.get('after')).toBe(page.next);
  });
});

describe('openStream({ catchUp: true }) on an empty log', () => {
  it('misses nothing published between the empty REST page and the stream connecting (origin cursor)', async () => {
    const s = await server();
    const seen: (string | undefined)[] = [];
    // The race, made certain: the event is published after the REST page was read (empty), just
    // before the stream's request goes out.
    const racing: typeof fetch = async (input, init) => {
      if (String(input).includes('/notifications/stream') && seen.length === 0) {
        seen.push(new Headers(init?.headers).get('last-event-id') ?? undefined);
        await s.stream.publish([numbered(0)]);
      }
      return s.fetch(input, init);
    };
    const stream = track(
      openStream({
        url: s.url,
        token: () => s.stream.token(),
        catchUp: true,
        fetch: racing,
        backoff: fast,
      }),
    );
    const received: number[] = [];
    const done = arrival(stream, received, 1);
    await waitFor(() => stream.state === 'open', 5000, 'open');
    await s.stream.publish([numbered(1)]);
    await done;
    expect(received).toEqual([0, 1]);
    expect(seen[0]).toEqual(expect.any(String));
    expect(s.pages).toHaveLength(1);
  });
});
