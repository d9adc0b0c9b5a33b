import { request } from 'node:http';
import type { EventLog } from '@causeflow/bus';
import { BusUnavailableError, createMemoryEventLog } from '@causeflow/bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../src/testing.js';
import { incidentCreated, userCreated } from './helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ config: { maxBodyBytes: 4096 } });
});
afterAll(async () => {
  await server?.close();
});

interface ErrorBody {
  error: {
    code: string;
    message: string;
    details?: { index: number; path: string; message: string }[];
  };
}

async function post(
  body: unknown,
  options: { token?: string; contentType?: string; raw?: string } = {},
) {
  const headers: Record<string, string> = {
    'Content-Type': options.contentType ?? 'application/json',
  };
  if (options.token !== undefined) headers.Authorization = `Bearer ${options.token}`;
  const res = await fetch(`${server.url}/v1/events`, {
    method: 'POST',
    headers,
    body: options.raw ?? JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as unknown };
}

const publisher = (tenantId = 'ten_ingest') =>
  server.token({ tenantId, scope: 'events:read events:publish' });
/** A token without tenantId: a service token. */
const serviceToken = () => server.token({ tenantId: undefined, scope: 'events:publish' });

async function count(tenantId: string): Promise<number> {
  const page = await server.log.readAfter(tenantId, null, 1000);
  return page.status === 'ok' ? page.events.length : -1;
}

describe('POST /v1/events', () => {
  it('accepts one envelope with 202 and returns its assigned id', async () => {
    const res = await post(incidentCreated('ten_ingest', 1), { token: await publisher() });
    expect(res.status).toBe(202);
    const body = res.body as { accepted: number; ids: string[] };
    expect(body.accepted).toBe(1);
    expect(body.ids[0]).toMatch(/^evt_/);
    const page = await server.log.readAfter('ten_ingest', null, 1000);
    expect(page.status === 'ok' && page.events.at(-1)?.event.id).toBe(body.ids[0]);
  });

  it('accepts an array and keeps the producer-supplied ids', async () => {
    const events = [
      { ...incidentCreated('ten_ingest', 2), id: 'evt_producer_1' },
      { ...userCreated('ten_ingest'), id: 'evt_producer_2' },
    ];
    const res = await post(events, { token: await publisher() });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ accepted: 2, ids: ['evt_producer_1', 'evt_producer_2'] });
  });

  it('answers a retried batch with the same ids and stores it only once', async () => {
    const events = [
      { ...incidentCreated('ten_retry', 1), id: 'evt_retry_a' },
      { ...userCreated('ten_retry'), id: 'evt_retry_b' },
    ];
    const token = await publisher('ten_retry');
    const first = await post(events, { token });
    const retry = await post(events, { token });
    expect(first.status).toBe(202);
    expect(retry.status).toBe(202);
    expect(retry.body).toEqual(first.body);
    expect(retry.body).toEqual({ accepted: 2, ids: ['evt_retry_a', 'evt_retry_b'] });
    expect(await count('ten_retry')).toBe(2);
  });

  it('lets a service token (no tenant) publish for any tenant', async () => {
    const res = await post([incidentCreated('ten_x1'), incidentCreated('ten_x2')], {
      token: await serviceToken(),
    });
    expect(res.status).toBe(202);
    expect(await count('ten_x1')).toBe(1);
    expect(await count('ten_x2')).toBe(1);
  });

  it('refuses a bad batch with 400, index and path of every issue, and publishes nothing of it', async () => {
    const before = await count('ten_batch');
    const bad = incidentCreated('ten_batch', 3) as unknown as { data: Record<string, unknown> };
    bad.data.severity = 'apocalyptic';
    const res = await post([incidentCreated('ten_batch', 4), bad], { token: await serviceToken() });
    expect(res.status).toBe(400);
    const body = res.body as ErrorBody;
    expect(body.error.code).toBe('invalid_event');
    expect(body.error.details).toContainEqual(
      expect.objectContaining({ index: 1, path: '/data/severity' }),
    );
    expect(body.error.details?.every((d) => d.index === 1)).toBe(true);
    expect(await count('ten_batch')).toBe(before);
  });

  it('refuses unknown event names with 400', async () => {
    const res = await post(
      { ...incidentCreated('ten_ingest'), event: 'incident.exploded' },
      { token: await publisher() },
    );
    expect(res.status).toBe(400);
    expect((res.body as ErrorBody).error.details?.[0]).toMatchObject({ index: 0, path: '/event' });
  });

  it('refuses malformed JSON with 400 invalid_json', async () => {
    const res = await post(undefined, { token: await publisher(), raw: '{"event": ' });
    expect(res.status).toBe(400);
    expect((res.body as ErrorBody).error.code).toBe('invalid_json');
  });

  it('refuses an empty array with 400', async () => {
    const res = await post([], { token: await publisher() });
    expect(res.status).toBe(400);
    expect((res.body as ErrorBody).error.code).toBe('empty_batch');
  });

  it('refuses a body over the limit with 413', async () => {
    const events = Array.from({ length: 30 }, (_, i) => incidentCreated('ten_big', i));
    expect(JSON.stringify(events).length).toBeGreaterThan(4096);
    const res = await post(events, { token: await publisher('ten_big') });
    expect(res.status).toBe(413);
    expect((res.body as ErrorBody).error.code).toBe('payload_too_large');
    expect(await count('ten_big')).toBe(0);
  });

  it('stops reading a chunked body (no Content-Length) as soon as it passes the limit', async () => {
    const token = await publisher();
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${server.url}/v1/events`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${token}`,
          'Content-Type': 'application/json',
          'Transfer-Encoding': 'chunked',
        },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write('['.padEnd(3000, ' '));
      req.write(' '.repeat(3000));
      // never ends: the server must answer without waiting for the rest
    });
    expect(status).toBe(413);
  });

  it('refuses a non-JSON Content-Type with 415', async () => {
    const res = await post(incidentCreated('ten_ingest'), {
      token: await publisher(),
      contentType: 'text/plain',
    });
    expect(res.status).toBe(415);
    expect((res.body as ErrorBody).error.code).toBe('unsupported_media_type');
  });

  it('refuses a token without the events:publish scope with 403', async () => {
    const res = await post(incidentCreated('ten_test'), {
      token: await server.token({ scope: 'events:read' }),
    });
    expect(res.status).toBe(403);
    expect((res.body as ErrorBody).error.code).toBe('insufficient_scope');
    expect(await count('ten_test')).toBe(0);
  });

  it("refuses to publish for another tenant than the token's with 403, publishing nothing", async () => {
    const res = await post([incidentCreated('ten_ingest'), incidentCreated('ten_victim')], {
      token: await publisher(),
    });
    expect(res.status).toBe(403);
    expect((res.body as ErrorBody).error).toMatchObject({
      code: 'tenant_mismatch',
      details: [{ index: 1 }],
    });
    expect(await count('ten_victim')).toBe(0);
  });

  it('refuses a token whose tenantId is malformed instead of treating it as a service token', async () => {
    const res = await post(incidentCreated('ten_other'), {
      token: await server.token({ tenantId: 'acme', scope: 'events:publish' }),
    });
    expect(res.status).toBe(403);
    expect((res.body as ErrorBody).error.code).toBe('invalid_tenant');
  });

  it('refuses a missing token with 401', async () => {
    const res = await post(incidentCreated('ten_ingest'));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
  });

  it('answers 503 bus_unavailable when the log cannot take the append', async () => {
    const memory = createMemoryEventLog();
    const broken: EventLog = {
      ...memory,
      append: async () => Promise.reject(new BusUnavailableError('redis down')),
    };
    const down = await startTestServer({ log: broken });
    try {
      const res = await fetch(`${down.url}/v1/events`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${await down.token({ scope: 'events:publish' })}`,
          'Content-Type': 'application/json',
        },
        body: JSON.stringify(incidentCreated('ten_test')),
      });
      expect(res.status).toBe(503);
      expect(((await res.json()) as ErrorBody).error.code).toBe('bus_unavailable');
    } finally {
      await down.close();
      await memory.close();
    }
  });

  it('counts ingested events in /metrics', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toMatch(/causeflow_events_ingested_total\{event="incident.created"\} [1-9]/);
  });
});
