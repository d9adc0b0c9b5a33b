// Producers are strict while readers are tolerant: ingest refuses a property the schemas do not
// declare (in the payload or the envelope), and nothing of the batch is stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../src/testing.js';
import { incidentCreated } from './helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

describe('POST /v1/events with properties the schemas do not know', () => {
  it.each([
    ['in the payload', { data: { region: 'eu-west-1' } }, '/data/region'],
    ['in the envelope', { traceId: 'abc' }, '/traceId'],
  ])('refuses one %s with 400 and stores nothing of the batch', async (_where, extra, path) => {
    const tenantId = `ten_strict_${path.replace(/\W/g, '')}`;
    const valid = incidentCreated(tenantId, 1);
    const base = incidentCreated(tenantId, 2);
    const withExtra =
      'data' in extra ? { ...base, data: { ...base.data, ...extra.data } } : { ...base, ...extra };
    const token = await server.token({ tenantId, scope: 'events:publish' });
    const res = await fetch(`${server.url}/v1/events`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify([valid, withExtra]),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as {
      error: { code: string; details: { index: number; path: string }[] };
    };
    expect(body.error.code).toBe('invalid_event');
    expect(body.error.details).toContainEqual(expect.objectContaining({ index: 1, path }));
    const page = await server.log.readAfter(tenantId, null, 10);
    expect(page.status === 'ok' && page.events.length).toBe(0);
  });
});
