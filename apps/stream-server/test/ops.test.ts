import { Writable } from 'node:stream';
import { createMemoryEventLog, type EventLog } from '@causeflow/bus';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { createConfig } from '../src/config.js';
import { signToken } from '../src/tokens.js';
import { incidentCreated, openStream, type RawStream, serverStarter, until } from './helpers.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
const server = serverStarter(cleanups);
async function stream(
  url: string,
  token: string,
  headers: Record<string, string> = {},
): Promise<RawStream> {
  const s = await openStream(url, { token, headers });
  cleanups.push(() => s.close());
  return s;
}

describe('operations endpoints', () => {
  it('answers /healthz with 200', async () => {
    const s = await server();
    const res = await fetch(`${s.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('answers /readyz with 200 when the log is ready and 503 when it is not', async () => {
    const memory = createMemoryEventLog();
    cleanups.push(() => memory.close());
    let ready = true;
    const log: EventLog = { ...memory, isReady: async () => ready };
    const s = await server({ log });
    expect((await fetch(`${s.url}/readyz`)).status).toBe(200);
    ready = false;
    const res = await fetch(`${s.url}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'unavailable' });
  });

  it('drains: open streams close, /readyz turns 503 and new streams get 503', async () => {
    const s = await server();
    const token = await s.token();
    const a = await stream(`${s.url}/v1/notifications/stream`, token);
    const b = await stream(`${s.url}/v1/notifications/stream`, token);
    expect((await fetch(`${s.url}/readyz`)).status).toBe(200);
    await s.app.drain();
    await Promise.all([a.ended, b.ended]);
    expect(s.app.stats().connections).toBe(0);
    const ready = await fetch(`${s.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'draining' });
    const refused = await fetch(`${s.url}/v1/notifications/stream`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('draining');
    expect(
      await s.app.metrics.registry.getSingleMetricAsString('causeflow_stream_disconnects_total'),
    ).toMatch(/reason="shutdown"} 2/);
  });

  it('closes streams and stops listening within the drain bound on shutdown (SIGTERM path)', async () => {
    const s = await server();
    const st = await stream(`${s.url}/v1/notifications/stream`, await s.token());
    await s.close();
    await st.ended;
    // Closed by the drain itself, not cut by the drain bound's timer.
    expect(
      await s.app.metrics.registry.getSingleMetricAsString('causeflow_stream_disconnects_total'),
    ).toMatch(/reason="shutdown"} 1/);
    await expect(fetch(`${s.url}/healthz`)).rejects.toThrow();
  });

  it('exposes the counters and default process metrics on /metrics', async () => {
    const s = await server();
    const token = await s.token({ tenantId: 'ten_metrics' });
    const [first] = await s.publish([incidentCreated('ten_metrics', 1)]);
    const st = await stream(`${s.url}/v1/notifications/stream`, token, {
      'Last-Event-ID': 'nope-1',
    });
    await st.waitFor(1, (m) => m.event === 'incident.created');
    await s.publish([incidentCreated('ten_metrics', 2)]);
    await st.waitFor(2, (m) => m.event === 'incident.created');
    expect(first).toBeDefined();
    const res = await fetch(`${s.url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/^causeflow_stream_connections 1$/m);
    expect(text).toMatch(/^causeflow_events_delivered_total 2$/m);
    expect(text).toMatch(/^causeflow_events_replayed_total 1$/m);
    expect(text).toMatch(/^causeflow_stream_resets_total\{reason="unknown_cursor"\} 1$/m);
    expect(text).toContain('causeflow_stream_disconnects_total');
    expect(text).toContain('causeflow_events_ingested_total');
    expect(text).toMatch(/^causeflow_stream_pending_bytes \d+$/m);
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).not.toContain('ten_metrics');
  });

  it('answers unknown paths with 404 and wrong methods with 405, as JSON errors', async () => {
    const s = await server();
    const missing = await fetch(`${s.url}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      error: { code: 'not_found', message: expect.any(String) },
    });
    const wrong = await fetch(`${s.url}/v1/events`, { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST, GET');
    expect((await fetch(`${s.url}/healthz`, { method: 'HEAD' })).status).toBe(200);
    const head = await fetch(`${s.url}/v1/notifications/stream`, { method: 'HEAD' });
    expect(head.status).toBe(405);
    expect(s.app.stats().connections).toBe(0);
  });

  it('never logs tokens, Authorization headers or ticket values, even at trace level', async () => {
    let logs = '';
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logs += String(chunk);
        done();
      },
    });
    const secret = 'log-test-secret-log-test-secret-123';
    const log = createMemoryEventLog();
    const app = createApp({
      config: createConfig({ auth: { kind: 'secret', secret }, port: 0, heartbeatMs: 50 }),
      log,
      logger: pino({ level: 'trace' }, sink),
    });
    const running = await app.listen({ port: 0, host: '127.0.0.1' });
    cleanups.push(async () => {
      await running.close();
      await app.close();
      await log.close();
    });
    const token = await signToken({
      secret,
      claims: { tenantId: 'ten_logs', scope: 'events:read events:publish' },
    });
    const auth = { Authorization: `Bearer ${token}` };
    const { ticket } = (await (
      await fetch(`${running.url}/v1/notifications/tickets`, { method: 'POST', headers: auth })
    ).json()) as { ticket: string };
    const st = await openStream(`${running.url}/v1/notifications/stream?ticket=${ticket}`);
    cleanups.push(() => st.close());
    await fetch(`${running.url}/v1/events`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify(incidentCreated('ten_logs')),
    });
    await st.waitFor(1, (m) => m.event === 'incident.created');
    await fetch(`${running.url}/v1/notifications/stream`, {
      headers: { Authorization: 'Bearer garbage.token.value' },
    });
    st.close();
    await until(() => app.stats().connections === 0, 2000, 'stream to close');
    expect(logs).toContain('"msg":"request"');
    expect(logs).not.toContain(token);
    expect(logs).not.toContain(ticket);
    expect(logs).not.toContain('garbage.token.value');
    expect(logs.toLowerCase()).not.toContain('authorization');
  });
});
