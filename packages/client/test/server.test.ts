// The client against the real stream server on a real port (startTestServer).
import { createMemoryEventLog, type EventLog } from '@causeflow/bus';
import type { CauseFlowEvent } from '@causeflow/events';
import { startTestServer } from '@causeflow/stream-server/testing';
import { EventSource } from 'eventsource';
import { afterEach, describe, expect, it } from 'vitest';
import { runTail } from '../src/cli/run.js';
import {
  type CauseFlowStream,
  CauseFlowStreamError,
  openEventSourceWithTicket,
  openStream,
} from '../src/index.js';
import { sample, waitFor } from './fixtures.js';

const TENANT = 'ten_test';
const SECRET = 'client-integration-tests-secret-0123456789';
const fast = { initialMs: 20, maxMs: 200 };

type TestServer = Awaited<ReturnType<typeof startTestServer>>;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(options: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  const s = await startTestServer({ jwtSecret: SECRET, config: { retryMs: 50 }, ...options });
  cleanups.push(() => s.close());
  return s;
}

function track<S extends CauseFlowStream>(stream: S): S {
  cleanups.push(() => stream.close());
  return stream;
}

/** A fetch that records the status of every stream response. */
function recordingFetch(statuses: number[]): typeof fetch {
  return async (input, init) => {
    const res = await fetch(input, init);
    statuses.push(res.status);
    return res;
  };
}

function numbered(n: number): CauseFlowEvent {
  const event = sample('investigation.progress', { tenantId: TENANT, incidentId: 'inc_resume' });
  (event.data as { message: string }).message = `step ${n}`;
  return event;
}

const stepOf = (e: CauseFlowEvent) =>
  Number(((e.data as { message?: string }).message ?? '').replace('step ', ''));

describe('against the stream server', () => {
  it('delivers published events to typed handlers, domain wildcards and the iterator', async () => {
    const s = await server();
    const stream = track(
      openStream({
        url: s.url,
        token: () => s.token(),
        events: ['remediation.*', 'incident.created'],
        backoff: fast,
      }),
    );
    const approvedBy: string[] = [];
    const domain: string[] = [];
    stream.on('remediation.approved', (e) => {
      approvedBy.push(e.data.approvedBy);
    });
    stream.on('remediation.*', (e) => {
      domain.push(e.event);
    });
    const iterated: string[] = [];
    const loop = (async () => {
      for await (const e of stream) {
        iterated.push(e.event);
        if (iterated.length === 2) break;
      }
    })();
    await waitFor(() => stream.state === 'open', 5000, 'open');
    await s.publish([
      sample('remediation.approved', { tenantId: TENANT }),
      sample('user.created', { tenantId: TENANT }),
      sample('incident.created', { tenantId: TENANT }),
    ]);
    await loop;
    expect(iterated).toEqual(['remediation.approved', 'incident.created']);
    expect(approvedBy).toEqual(['user_01HX9VTPQR3KF8MZWBYD5N6JCE']);
    expect(domain).toEqual(['remediation.approved']);
    expect(stream.lastEventId).toEqual(expect.any(String));
    expect(stream.state).toBe('closed');
  });

  it('resumes after a server restart with no gap and no duplicate while events are published', async () => {
    const log: EventLog = createMemoryEventLog({ retention: 10_000 });
    cleanups.push(() => log.close());
    let current = await startTestServer({ jwtSecret: SECRET, log, config: { retryMs: 50 } });
    const port = current.port;
    cleanups.push(() => current.close());
    const received: number[] = [];
    const stream = track(
      openStream({
        url: current.url,
        token: () => current.token(),
        incidentId: 'inc_resume',
        backoff: fast,
      }),
    );
    stream.on('investigation.progress', (e) => {
      received.push(stepOf(e));
    });
    const states: string[] = [];
    stream.on('state', (st) => {
      states.push(st);
    });
    await waitFor(() => stream.state === 'open', 5000, 'open');
    const total = 60;
    const appendRange = async (from: number, to: number) => {
      for (let i = from; i < to; i += 1) await log.append([numbered(i)]);
    };
    // Phase 1, live: the server goes down as soon as some events have arrived, with others in flight.
    const live = appendRange(0, 20);
    await waitFor(() => received.length >= 10, 5000, 'some live events');
    await current.close();
    const receivedBeforeRestart = received.length;
    await live;
    // Phase 2, down: the client has seen the drop; more events are published meanwhile.
    await waitFor(() => states.at(-1) === 'reconnecting', 5000, 'the client noticing the drop');
    await appendRange(20, 40);
    // Phase 3, back: the server restarts while events keep being published.
    current = await startTestServer({ jwtSecret: SECRET, log, port, config: { retryMs: 50 } });
    await appendRange(40, total - 1);
    await waitFor(() => stream.state === 'open' && states.length >= 4, 10_000, 'the reconnect');
    // The last event is the sentinel: every event before it, or a duplicate of one, came before it.
    await log.append([numbered(total - 1)]);
    await waitFor(
      () => received.includes(total - 1),
      10_000,
      `the sentinel event (got ${received.length})`,
    );
    expect(received).toEqual(Array.from({ length: total }, (_, i) => i));
    expect(receivedBeforeRestart).toBeLessThan(total);
    expect(states).toEqual(['connecting', 'open', 'reconnecting', 'open']);
  });

  it('asks the token function on every connect and again once after a 401 for an expired token', async () => {
    const s = await server();
    const statuses: number[] = [];
    const issued: string[] = [];
    const stream = track(
      openStream({
        url: s.url,
        fetch: recordingFetch(statuses),
        backoff: fast,
        token: async () => {
          // first an already expired token, then ones that live a second
          const token = await s.token({ expiresInSeconds: issued.length === 0 ? -60 : 1 });
          issued.push(token);
          return token;
        },
      }),
    );
    await waitFor(() => stream.state === 'open', 5000, 'open');
    expect(statuses.slice(0, 2)).toEqual([401, 200]);
    expect(issued).toHaveLength(2);
    // The server ends the stream when the token expires; the client reconnects with a fresh one.
    await waitFor(
      () => issued.length >= 3 && stream.state === 'open',
      5000,
      'a reconnect with a new token',
    );
    expect(statuses.filter((st) => st === 200).length).toBeGreaterThanOrEqual(2);
  });

  it('reconnects through its watchdog when the server pings too rarely', async () => {
    const s = await server({ heartbeatMs: 60_000 });
    const statuses: number[] = [];
    const stream = track(
      openStream({
        url: s.url,
        token: () => s.token(),
        heartbeatMs: 80,
        fetch: recordingFetch(statuses),
        backoff: fast,
      }),
    );
    const errors: CauseFlowStreamError[] = [];
    stream.on('error', (e) => errors.push(e));
    await waitFor(() => statuses.length >= 2, 8000, 'a second connection');
    expect(errors[0]?.code).toBe('heartbeat_timeout');
  });

  it('stops with a typed error on 403 (token without tenant) and 400 (unknown event name)', async () => {
    const s = await server();
    const forbidden = openStream({
      url: s.url,
      token: () => s.token({ tenantId: undefined }),
      backoff: fast,
    });
    const badFilter = openStream({
      url: s.url,
      token: () => s.token(),
      // @ts-expect-error not a catalog event: the server's 400 is what this checks
      events: ['incident.exploded'],
      backoff: fast,
    });
    const [e403, e400] = await Promise.all([forbidden.finished, badFilter.finished]);
    expect(e403).toBeInstanceOf(CauseFlowStreamError);
    expect(e403).toMatchObject({ status: 403, fatal: true, code: expect.stringMatching(/tenant/) });
    expect(e400).toMatchObject({ status: 400, fatal: true, code: 'unknown_event' });
    expect(forbidden.state).toBe('closed');
  });

  it('surfaces stream.reset for an unknown cursor, then delivers the replay', async () => {
    const s = await server();
    await s.publish([sample('incident.created', { tenantId: TENANT })]);
    const stream = track(
      openStream({
        url: s.url,
        token: () => s.token(),
        lastEventId: 'not-a-cursor-of-this-server',
        backoff: fast,
      }),
    );
    const seen: string[] = [];
    stream.on('reset', (d) => {
      seen.push(`reset:${d.reason}:${d.lastEventId}`);
    });
    stream.on('*', (e) => {
      seen.push(e.event);
    });
    await waitFor(() => seen.length >= 2, 5000, 'reset and replay');
    expect(seen).toEqual(['reset:unknown_cursor:not-a-cursor-of-this-server', 'incident.created']);
  });

  it('opens a ticket-authenticated EventSource (a client this project did not write) and re-tickets on reconnect', async () => {
    const s = await server();
    let tokenCalls = 0;
    const stream = track(
      openEventSourceWithTicket({
        url: s.url,
        token: () => {
          tokenCalls += 1;
          return s.token({ expiresInSeconds: 1 });
        },
        EventSource,
        backoff: fast,
      }),
    );
    const titles: string[] = [];
    stream.on('incident.created', (e) => {
      titles.push(e.data.title);
    });
    await waitFor(() => stream.state === 'open', 5000, 'open');
    await s.publish([sample('incident.created', { tenantId: TENANT, title: 'first' })]);
    await waitFor(() => titles.length === 1, 5000, 'the first event');
    // The stream ends with the token; a new ticket (new token) reopens it and resumes.
    await waitFor(
      () => tokenCalls >= 2 && stream.state === 'open',
      5000,
      'a re-ticketed reconnect',
    );
    await s.publish([sample('incident.created', { tenantId: TENANT, title: 'second' })]);
    await waitFor(() => titles.length === 2, 5000, 'the second event');
    expect(titles).toEqual(['first', 'second']);
  });

  it('resumes a ticket stream from the last received cursor, receiving what was published during the gap once', async () => {
    const s = await server();
    const [initial] = await s.publish([numbered(0)]);
    // EventSources the transport opens, so the test can drop the current one.
    const sources: EventSource[] = [];
    class TrackedEventSource extends EventSource {
      constructor(url: string | URL) {
        super(url);
        sources.push(this);
      }
    }
    // The second ticket request is held until the test has published into the gap.
    let releaseTicket: () => void = () => {};
    const gapPublished = new Promise<void>((resolve) => {
      releaseTicket = resolve;
    });
    let ticketRequests = 0;
    const gatedFetch: typeof fetch = async (input, init) => {
      if (String(input).endsWith('/tickets') && ++ticketRequests === 2) await gapPublished;
      return fetch(input, init);
    };
    const stream = track(
      openEventSourceWithTicket({
        url: s.url,
        token: () => s.token(),
        lastEventId: initial?.cursor,
        EventSource: TrackedEventSource,
        fetch: gatedFetch,
        backoff: fast,
      }),
    );
    const received: number[] = [];
    stream.on('investigation.progress', (e) => {
      received.push(stepOf(e));
    });
    await waitFor(() => stream.state === 'open', 5000, 'open');
    await s.publish([numbered(1), numbered(2)]);
    await waitFor(() => received.length === 2, 5000, 'the first two events');
    // What a dropped connection looks like to the transport (it closes the source itself).
    const dropped = sources[0];
    dropped?.onerror?.call(dropped, new Event('error'));
    await waitFor(() => ticketRequests === 2, 5000, 'the reconnect asking for a ticket');
    await s.publish([numbered(3), numbered(4)]);
    releaseTicket();
    await waitFor(() => sources.length === 2 && stream.state === 'open', 5000, 'the reconnect');
    await s.publish([numbered(5)]);
    await waitFor(() => received.includes(5), 5000, 'the sentinel event');
    expect(received).toEqual([1, 2, 3, 4, 5]);
    expect(new URL(sources[0]?.url ?? '').searchParams.get('lastEventId')).toBe(initial?.cursor);
    expect(new URL(sources[1]?.url ?? '').searchParams.get('lastEventId')).not.toBe(
      initial?.cursor,
    );
  });

  it('tail prints one line per event, NDJSON with --json, and connection notes on stderr', async () => {
    const s = await server();
    const token = await s.token();
    const out: string[] = [];
    const err: string[] = [];
    const controller = new AbortController();
    const done = runTail(
      {
        url: s.url,
        token: undefined,
        events: undefined,
        incidentId: undefined,
        lastEventId: undefined,
        json: true,
        color: false,
        help: false,
      },
      {
        stdout: { write: (t: string) => out.push(t) },
        stderr: { write: (t: string) => err.push(t) },
        signal: controller.signal,
        readDevToken: async () => token,
      },
    );
    await waitFor(() => err.some((l) => l.startsWith('# connected')), 5000, 'connected note');
    await s.publish([sample('incident.created', { tenantId: TENANT })]);
    await waitFor(() => out.length === 1, 5000, 'a line');
    controller.abort();
    await expect(done).resolves.toBe(0);
    expect(JSON.parse(out[0] ?? '')).toMatchObject({ event: 'incident.created', tenantId: TENANT });
  });
});
