import { EventSource } from 'eventsource';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../src/testing.js';
import {
  incidentCreated,
  openStream,
  type RawStream,
  remediationApproved,
  until,
  userCreated,
} from './helpers.js';

const STREAM = '/v1/notifications/stream';

let server: TestServer;
const streams: RawStream[] = [];
async function stream(
  query = '',
  options: Parameters<typeof openStream>[1] = {},
): Promise<RawStream> {
  const s = await openStream(`${server.url}${STREAM}${query}`, options);
  streams.push(s);
  return s;
}
beforeAll(async () => {
  server = await startTestServer({
    heartbeatMs: 100,
    corsOrigins: ['https://app.example.com'],
    maxConnectionsPerTenant: 2,
  });
});
afterEach(async () => {
  for (const s of streams.splice(0)) s.close();
  await until(() => server.app.stats().connections === 0, 2000, 'streams to close');
});
afterAll(async () => {
  await server?.close();
});

describe('GET /v1/notifications/stream', () => {
  it('answers 200 with the SSE headers and a retry line first', async () => {
    const s = await stream('', { token: await server.token() });
    expect(s.response.status).toBe(200);
    expect(s.response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(s.response.headers.get('cache-control')).toBe('no-cache');
    expect(s.response.headers.get('x-accel-buffering')).toBe('no');
    expect(s.response.headers.get('content-encoding')).toBeNull();
    await until(() => s.retry() !== undefined, 2000, 'retry');
    expect(s.retry()).toBe(3000);
  });

  it('is never compressed, even when the client accepts gzip', async () => {
    const s = await stream('', {
      token: await server.token(),
      headers: { 'Accept-Encoding': 'gzip, br' },
    });
    expect(s.response.headers.get('content-encoding')).toBeNull();
  });

  it('delivers published events as id/event/data frames with the cursor as id', async () => {
    const s = await stream('', { token: await server.token({ tenantId: 'ten_frames' }) });
    const [stored] = await server.publish([incidentCreated('ten_frames', 1)]);
    const [message] = await s.waitFor(1, (m) => m.event === 'incident.created');
    expect(message?.id).toBe(stored?.cursor);
    expect(JSON.parse(message!.data)).toEqual(stored?.event);
  });

  it('never shows one tenant the events of another', async () => {
    const a = await stream('', { token: await server.token({ tenantId: 'ten_alpha' }) });
    const b = await stream('', { token: await server.token({ tenantId: 'ten_beta' }) });
    for (let i = 0; i < 10; i++) {
      await server.publish([incidentCreated(i % 2 === 0 ? 'ten_alpha' : 'ten_beta', i)]);
    }
    const [ea, eb] = await Promise.all([
      a.waitFor(5, (m) => m.event === 'incident.created'),
      b.waitFor(5, (m) => m.event === 'incident.created'),
    ]);
    expect(ea.map((m) => JSON.parse(m.data).tenantId)).toEqual(Array(5).fill('ten_alpha'));
    expect(eb.map((m) => JSON.parse(m.data).tenantId)).toEqual(Array(5).fill('ten_beta'));
    expect(a.events()).toHaveLength(5);
    expect(b.events()).toHaveLength(5);
  });

  it('sends a ping with a timestamp and no id every HEARTBEAT_MS', async () => {
    const s = await stream('', { token: await server.token() });
    const pings = await s.waitFor(2, (m) => m.event === 'ping', 2000);
    for (const ping of pings) {
      expect(ping.id).toBeUndefined();
      const data = JSON.parse(ping.data) as { timestamp: string };
      expect(Number.isNaN(Date.parse(data.timestamp))).toBe(false);
    }
  });

  it('filters by event names and domain wildcards on the server', async () => {
    const t = 'ten_filter';
    const wildcard = await stream('?events=incident.*', {
      token: await server.token({ tenantId: t }),
    });
    const exact = await stream('?events=user.created,remediation.approved', {
      token: await server.token({ tenantId: t }),
    });
    await server.publish([
      incidentCreated(t),
      userCreated(t),
      remediationApproved(t),
      incidentCreated(t),
    ]);
    await wildcard.waitFor(2, (m) => m.event === 'incident.created');
    await exact.waitFor(2, (m) => m.event !== 'ping');
    await server.publish([incidentCreated(t)]);
    await wildcard.waitFor(3, (m) => m.event === 'incident.created');
    expect(wildcard.events().map((m) => m.event)).toEqual([
      'incident.created',
      'incident.created',
      'incident.created',
    ]);
    expect(exact.events().map((m) => m.event)).toEqual(['user.created', 'remediation.approved']);
  });

  it('filters by incidentId', async () => {
    const t = 'ten_incident';
    const s = await stream('?incidentId=inc_WANTED', {
      token: await server.token({ tenantId: t }),
    });
    await server.publish([
      incidentCreated(t, 1, 'inc_OTHER'),
      incidentCreated(t, 2, 'inc_WANTED'),
      userCreated(t),
      remediationApproved(t, 'inc_WANTED'),
    ]);
    await s.waitFor(2, (m) => m.event !== 'ping');
    expect(s.events().map((m) => [m.event, JSON.parse(m.data).data.incidentId])).toEqual([
      ['incident.created', 'inc_WANTED'],
      ['remediation.approved', 'inc_WANTED'],
    ]);
  });

  it('applies events= and incidentId= together, live and in replay', async () => {
    const t = 'ten_both_filters';
    const token = await server.token({ tenantId: t });
    const query = '?events=remediation.*&incidentId=inc_BOTH';
    const [before] = await server.publish([userCreated(t)]);
    const live = await stream(query, { token });
    await server.publish([
      incidentCreated(t, 1, 'inc_BOTH'), // right incident, wrong name
      remediationApproved(t, 'inc_OTHER'), // right name, wrong incident
      remediationApproved(t, 'inc_BOTH'),
      userCreated(t),
      remediationApproved(t, 'inc_BOTH'), // the sentinel: everything before it was handled
    ]);
    const expected = [
      ['remediation.approved', 'inc_BOTH'],
      ['remediation.approved', 'inc_BOTH'],
    ];
    const described = (s: RawStream) =>
      s.events().map((m) => [m.event, JSON.parse(m.data).data.incidentId]);
    await live.waitFor(2, (m) => m.event !== 'ping');
    expect(described(live)).toEqual(expected);
    live.close();
    const replayed = await stream(query, { token, headers: { 'Last-Event-ID': before!.cursor } });
    await replayed.waitFor(2, (m) => m.event !== 'ping');
    expect(described(replayed)).toEqual(expected);
  });

  it('answers 400 listing every unknown name in events=', async () => {
    const res = await fetch(`${server.url}${STREAM}?events=incident.*,incident.nope,bogus.*`, {
      headers: { Authorization: `Bearer ${await server.token()}` },
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('unknown_event');
    expect(body.error.message).toContain('incident.nope');
    expect(body.error.message).toContain('bogus.*');
    expect(body.error.message).not.toContain('incident.*,');
  });

  it('answers 429 beyond MAX_CONNECTIONS_PER_TENANT, and accepts again once one closes', async () => {
    const token = await server.token({ tenantId: 'ten_limit' });
    const first = await stream('', { token });
    await stream('', { token });
    const third = await fetch(`${server.url}${STREAM}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(third.status).toBe(429);
    expect(((await third.json()) as { error: { code: string } }).error.code).toBe(
      'too_many_connections',
    );
    const other = await stream('', { token: await server.token({ tenantId: 'ten_other_limit' }) });
    expect(other.response.status).toBe(200);
    first.close();
    await until(() => server.app.stats().connections === 2, 2000, 'first stream to close');
    const again = await stream('', { token });
    expect(again.response.status).toBe(200);
  });

  it('ends the stream when the token expires', async () => {
    const s = await stream('', {
      token: await server.token({ tenantId: 'ten_expiry', expiresInSeconds: 1 }),
    });
    expect(s.response.status).toBe(200);
    // Ended by the server (the reason below), whatever the machine's load made it take.
    await s.ended;
    await until(() => server.app.stats().connections === 0, 1000, 'connection to be unregistered');
    expect(
      await server.app.metrics.registry.getSingleMetricAsString(
        'causeflow_stream_disconnects_total',
      ),
    ).toMatch(/reason="token_expired"} [1-9]/);
  });

  it('works with the eventsource npm package given a fetch that adds the Authorization header', async () => {
    const token = await server.token({ tenantId: 'ten_es' });
    const es = new EventSource(`${server.url}${STREAM}?events=incident.*`, {
      fetch: (input, init) =>
        fetch(input, { ...init, headers: { ...init.headers, Authorization: `Bearer ${token}` } }),
    });
    try {
      await new Promise<void>((resolve, reject) => {
        es.onopen = () => resolve();
        es.onerror = (e) => reject(new Error(`eventsource error: ${e.message ?? 'unknown'}`));
      });
      const received: MessageEvent[] = [];
      es.addEventListener('incident.created', (e) => received.push(e));
      const stored = await server.publish([userCreated('ten_es'), incidentCreated('ten_es', 7)]);
      await until(() => received.length === 1, 3000, 'eventsource message');
      expect(received[0]?.lastEventId).toBe(stored[1]?.cursor);
      expect(JSON.parse(received[0]!.data as string).data.incidentId).toBe('inc_T7');
    } finally {
      es.close();
    }
  });

  it('answers CORS preflights for allowed origins only and echoes the origin', async () => {
    const preflight = await fetch(`${server.url}${STREAM}`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://app.example.com',
        'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'authorization,last-event-id',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(preflight.headers.get('access-control-allow-headers')).toBe(
      'Authorization, Content-Type, Last-Event-ID',
    );
    expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
    expect(preflight.headers.get('access-control-expose-headers')).toBeNull();

    const foreign = await fetch(`${server.url}${STREAM}`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://evil.example.com', 'Access-Control-Request-Method': 'GET' },
    });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();

    // A browser console managing webhooks updates and removes endpoints cross-origin.
    const patch = await fetch(`${server.url}/v1/webhooks/whk_1`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'PATCH' },
    });
    expect(patch.status).toBe(204);
    expect(patch.headers.get('access-control-allow-methods')).toBe(
      'GET, POST, PATCH, DELETE, OPTIONS',
    );

    const s = await stream('', {
      token: await server.token(),
      headers: { Origin: 'https://app.example.com' },
    });
    expect(s.response.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    const denied = await fetch(`${server.url}${STREAM}`, {
      headers: { Origin: 'https://app.example.com' },
    });
    expect(denied.status).toBe(401);
    expect(denied.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
  });
});
