// The fetch transport against a hand-scripted server: exact frames, status codes and closes.
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CauseFlowStreamError, openStream } from '../src/index.js';
import type { CauseFlowStream } from '../src/stream.js';
import { sample, waitFor } from './fixtures.js';
import { jsonError, sseHead, startRawServer } from './raw-server.js';

const fast = { initialMs: 10, maxMs: 40 };
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(handle: Parameters<typeof startRawServer>[0]) {
  const s = await startRawServer(handle);
  cleanups.push(() => s.close());
  return s;
}

function track(stream: CauseFlowStream): CauseFlowStream {
  cleanups.push(() => stream.close());
  return stream;
}

describe('fetch transport', () => {
  it('sends the bearer token, Accept, the filters, and routes hand-crafted frames to their handlers', async () => {
    const valid = sample('incident.created');
    const bad = { ...sample('incident.created'), data: { incidentId: 'inc_1' } };
    const newer = {
      event: 'billing.invoiced',
      timestamp: '2024-04-01T10:00:00Z',
      tenantId: 'ten_x',
      data: {},
    };
    const s = await server((_req, res) => {
      sseHead(res);
      res.write('retry: 1000\n\n: hello\n\n');
      res.write('event: ping\ndata: {"timestamp":"2024-04-01T10:00:00Z"}\n\n');
      res.write('id: 1\nevent: incident.created\ndata: {not json\n\n');
      res.write(`id: 2\nevent: incident.created\ndata: ${JSON.stringify(bad)}\n\n`);
      res.write(`id: 3\nevent: billing.invoiced\ndata: ${JSON.stringify(newer)}\n\n`);
      res.write(`id: 4\nevent: incident.created\ndata: ${JSON.stringify(valid)}\n\n`);
    });
    const stream = track(
      openStream({
        url: s.url,
        token: 'tok',
        events: ['incident.*', 'remediation.approved'],
        incidentId: 'inc_1',
        backoff: fast,
      }),
    );
    const invalid: string[] = [];
    const unknown: string[] = [];
    const events: string[] = [];
    stream.on('invalid', (i) => invalid.push(`${i.id}:${i.errors[0]?.path}`));
    stream.on('unknown', (u) => unknown.push(`${u.id}:${u.event}`));
    stream.on('*', (e) => events.push(e.event));
    await waitFor(() => events.length === 1, 5000, 'the valid event');
    expect(invalid).toEqual(['1:', '2:/data/title']);
    expect(unknown).toEqual(['3:billing.invoiced']);
    expect(stream.lastEventId).toBe('4');
    const headers = s.requests[0]?.headers;
    expect(headers?.authorization).toBe('Bearer tok');
    expect(headers?.accept).toBe('text/event-stream');
    expect(headers?.['last-event-id']).toBeUndefined();
    const url = new URL(s.requests[0]?.url ?? '', s.url);
    expect(url.pathname).toBe('/v1/notifications/stream');
    expect(url.searchParams.get('events')).toBe('incident.*,remediation.approved');
    expect(url.searchParams.get('incidentId')).toBe('inc_1');
  });

  it('reconnects after the server ends the response cleanly, resuming with Last-Event-ID', async () => {
    const s = await server((_req, res, i) => {
      sseHead(res);
      res.end(
        `id: c${i}\nevent: user.created\ndata: ${JSON.stringify(sample('user.created'))}\n\n`,
      );
    });
    const stream = track(
      openStream({ url: s.url, token: 'tok', lastEventId: 'start', backoff: fast }),
    );
    const states: string[] = [];
    stream.on('state', (st) => states.push(st));
    await waitFor(() => s.requests.length >= 3, 5000, 'three connections');
    expect(s.requests.map((r) => r.headers['last-event-id']).slice(0, 3)).toEqual([
      'start',
      'c0',
      'c1',
    ]);
    expect(states.slice(0, 4)).toEqual(['connecting', 'open', 'reconnecting', 'open']);
  });

  it("takes the server's retry: as the backoff base", async () => {
    const s = await server((_req, res) => {
      sseHead(res);
      res.end('retry: 30\nevent: ping\ndata: {"timestamp":"2024-04-01T10:00:00Z"}\n\n');
    });
    // Without the server's retry the second attempt would wait up to a minute.
    track(openStream({ url: s.url, token: 'tok', backoff: { initialMs: 60_000, maxMs: 60_000 } }));
    await waitFor(() => s.requests.length >= 3, 3000, 'quick reconnects');
    expect(s.requests.length).toBeGreaterThanOrEqual(3);
  });

  it('asks the token function again right away after a 401, then backs off if it is still refused', async () => {
    const tokens = ['expired', 'fresh'];
    let calls = 0;
    const s = await server((req, res) => {
      if (req.headers.authorization === 'Bearer fresh') {
        sseHead(res);
        res.write(': ok\n\n');
      } else {
        jsonError(res, 401, 'invalid_token', {
          'www-authenticate': 'Bearer error="invalid_token"',
        });
      }
    });
    const stream = track(
      openStream({
        url: s.url,
        token: () => tokens[Math.min(calls++, tokens.length - 1)] as string,
        backoff: { initialMs: 5000, maxMs: 5000 },
      }),
    );
    const errors: CauseFlowStreamError[] = [];
    stream.on('error', (e) => errors.push(e));
    await waitFor(() => stream.state === 'open', 3000, 'open with the fresh token');
    expect(s.requests.map((r) => r.headers.authorization)).toEqual([
      'Bearer expired',
      'Bearer fresh',
    ]);
    expect(errors).toEqual([]);
  });

  it('reports a second 401 as an error and retries after backing off', async () => {
    const s = await server((_req, res) => jsonError(res, 401, 'invalid_token'));
    let calls = 0;
    const stream = track(openStream({ url: s.url, token: () => `t${calls++}`, backoff: fast }));
    const errors: CauseFlowStreamError[] = [];
    stream.on('error', (e) => errors.push(e));
    await waitFor(() => errors.length >= 2, 3000, 'two reported 401s');
    expect(errors[0]).toMatchObject({ status: 401, code: 'invalid_token', fatal: false });
    expect(s.requests.slice(0, 4).map((r) => r.headers.authorization)).toEqual([
      'Bearer t0',
      'Bearer t1',
      'Bearer t2',
      'Bearer t3',
    ]);
    expect(stream.state).not.toBe('closed');
  });

  it.each([
    [403, 'no_tenant'],
    [400, 'unknown_event'],
  ])(
    'stops on %i with a typed CauseFlowStreamError carrying the body code',
    async (status, code) => {
      const s = await server((_req, res) => jsonError(res, status, code));
      const stream = track(openStream({ url: s.url, token: 'tok', backoff: fast }));
      const states: string[] = [];
      stream.on('state', (st) => states.push(st));
      const error = await stream.finished;
      expect(error).toBeInstanceOf(CauseFlowStreamError);
      expect(error).toMatchObject({ status, code, fatal: true });
      expect(states.at(-1)).toBe('closed');
      // `finished` settles once the reconnect loop has returned: no request can follow it.
      expect(s.requests).toHaveLength(1);
    },
  );

  it('waits for Retry-After on 429 before trying again', async () => {
    const s = await server((_req, res, i) => {
      if (i === 0) return jsonError(res, 429, 'too_many_connections', { 'retry-after': '1' });
      sseHead(res);
      res.write(': ok\n\n');
    });
    const stream = track(openStream({ url: s.url, token: 'tok', backoff: fast }));
    const errors: CauseFlowStreamError[] = [];
    stream.on('error', (e) => errors.push(e));
    await waitFor(() => s.requests.length === 2, 4000, 'the retry');
    const gap = (s.requests[1]?.at ?? 0) - (s.requests[0]?.at ?? 0);
    expect(gap).toBeGreaterThanOrEqual(950);
    expect(errors[0]).toMatchObject({
      status: 429,
      code: 'too_many_connections',
      retryAfterMs: 1000,
    });
  });

  it('treats a response that is not an event stream as a transient bad_response', async () => {
    const s = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>proxy login</html>');
    });
    const stream = track(openStream({ url: s.url, token: 'tok', backoff: fast }));
    const errors: CauseFlowStreamError[] = [];
    stream.on('error', (e) => errors.push(e));
    await waitFor(() => errors.length >= 2, 3000, 'two errors');
    expect(errors[0]?.code).toBe('bad_response');
  });

  it('reconnects when no event or ping arrives within 2.5 heartbeats', async () => {
    const s = await server((_req, res) => {
      sseHead(res);
      res.write('retry: 10\n\n');
    });
    const stream = track(openStream({ url: s.url, token: 'tok', heartbeatMs: 40, backoff: fast }));
    const errors: CauseFlowStreamError[] = [];
    stream.on('error', (e) => errors.push(e));
    await waitFor(() => s.requests.length >= 2, 3000, 'a reconnect');
    expect(errors[0]?.code).toBe('heartbeat_timeout');
    expect((s.requests[1]?.at ?? 0) - (s.requests[0]?.at ?? 0)).toBeGreaterThanOrEqual(95);
  });

  it('keeps a connection that pings in time', async () => {
    // The watchdog's interval runs on a fake clock; the test moves it between pings.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    cleanups.push(() => vi.useRealTimers());
    const responses: ServerResponse[] = [];
    const s = await server((_req, res) => {
      sseHead(res);
      res.flushHeaders();
      responses.push(res);
    });
    // Counts the body bytes the transport has taken from the response, to know a ping was read.
    let written = 0;
    let read = 0;
    const countingFetch: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      const reader = res.body?.getReader();
      const body = new ReadableStream<Uint8Array>(
        {
          async pull(controller) {
            const chunk = await reader?.read();
            if (chunk === undefined || chunk.done) return controller.close();
            read += chunk.value.byteLength;
            controller.enqueue(chunk.value);
          },
          cancel: (reason) => reader?.cancel(reason),
        },
        { highWaterMark: 0 },
      );
      return new Response(body, { status: res.status, headers: res.headers });
    };
    const stream = track(
      openStream({
        url: s.url,
        token: 'tok',
        heartbeatMs: 40,
        fetch: countingFetch,
        backoff: fast,
      }),
    );
    const events: string[] = [];
    stream.on('*', (e) => events.push(e.event));
    await waitFor(() => stream.state === 'open', 3000, 'open');
    const send = (frame: string) => {
      written += Buffer.byteLength(frame);
      responses[0]?.write(frame);
    };
    // Ten pings, each followed by 80 ms of watchdog time (the idle window is 100 ms): 800 ms in all.
    for (let i = 0; i < 10; i += 1) {
      send('event: ping\ndata: {"timestamp":"2024-04-01T10:00:00Z"}\n\n');
      await waitFor(() => read === written, 3000, `ping ${i} read`);
      vi.advanceTimersByTime(80);
    }
    // The sentinel: an event on the first connection still arrives, so it was never dropped.
    send(`id: 1\nevent: incident.created\ndata: ${JSON.stringify(sample('incident.created'))}\n\n`);
    await waitFor(() => events.length === 1, 3000, 'the sentinel event');
    expect(s.requests).toHaveLength(1);
    expect(stream.state).toBe('open');
  });

  it('closes when the signal aborts', async () => {
    const s = await server((_req, res) => {
      sseHead(res);
      res.write(': ok\n\n');
    });
    const controller = new AbortController();
    const stream = openStream({
      url: s.url,
      token: 'tok',
      signal: controller.signal,
      backoff: fast,
    });
    await waitFor(() => stream.state === 'open');
    controller.abort();
    await expect(stream.finished).resolves.toBeUndefined();
    expect(stream.state).toBe('closed');
  });

  it('reports a failing token function and tries again', async () => {
    const s = await server((_req, res) => {
      sseHead(res);
      res.write(': ok\n\n');
    });
    let calls = 0;
    const stream = track(
      openStream({
        url: s.url,
        token: async () => {
          calls += 1;
          if (calls === 1) throw new Error('auth service down');
          return 'tok';
        },
        backoff: fast,
      }),
    );
    const errors: CauseFlowStreamError[] = [];
    stream.on('error', (e) => errors.push(e));
    await waitFor(() => stream.state === 'open', 3000);
    expect(errors[0]?.code).toBe('token_error');
  });
});
