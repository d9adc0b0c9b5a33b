import { Writable } from 'node:stream';
import { createMemoryEventLog, type EventLog, MAX_BATCH_ISSUES } from '@causeflow/bus';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { createConfig } from '../src/config.js';
import { startTestServer, type TestServer, type TestServerOptions } from '../src/testing.js';
import { signToken } from '../src/tokens.js';
import { incidentCreated } from './helpers.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(config: TestServerOptions['config'] = {}): Promise<TestServer> {
  const s = await startTestServer({ config });
  cleanups.push(() => s.close());
  return s;
}

async function post(url: string, token: string, body: string) {
  const res = await fetch(`${url}/v1/events`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body,
  });
  const text = await res.text();
  return { status: res.status, bytes: Buffer.byteLength(text), body: JSON.parse(text) };
}

/** `[{},{},…]` of about `bytes` bytes. */
function emptyObjects(bytes: number): string {
  return `[${Array.from({ length: Math.floor(bytes / 3) }, () => '{}').join(',')}]`;
}

async function stored(s: TestServer, tenantId = 'ten_test'): Promise<number> {
  const page = await s.log.readAfter(tenantId, null, 100_000);
  return page.status === 'ok' ? page.events.length : -1;
}

describe('batch size and error details are bounded', () => {
  it('answers a 256 KiB [{},{},…] body with a small 413 batch_too_large and stores nothing', async () => {
    const s = await server();
    const res = await post(
      s.url,
      await s.token({ scope: 'events:publish' }),
      emptyObjects(256 * 1024),
    );
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('batch_too_large');
    expect(res.body.error.message).toContain('at most 1000');
    expect(res.bytes).toBeLessThan(1024);
    expect(await stored(s)).toBe(0);
  });

  it('with MAX_BATCH_EVENTS raised, still answers a 256 KiB [{},{},…] body with a small 400 listing the first 100 issues', async () => {
    const s = await server({ maxBatchEvents: 100_000 });
    const body = emptyObjects(256 * 1024);
    const total = JSON.parse(body).length as number;
    const res = await post(s.url, await s.token({ scope: 'events:publish' }), body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_event');
    expect(res.body.error.details).toHaveLength(MAX_BATCH_ISSUES);
    expect(res.body.error.details[0]).toEqual({
      index: 0,
      path: expect.any(String),
      message: expect.any(String),
    });
    // Validation stopped at the event that filled the list: the rest are counted, not checked.
    const checked = (res.body.error.details.at(-1).index as number) + 1;
    expect(res.body.error.omitted).toEqual({
      issues: expect.any(Number),
      uncheckedEvents: total - checked,
    });
    expect(res.body.error.message).toContain(`${total - checked} event(s) not checked`);
    expect(res.bytes).toBeLessThan(20 * 1024);
    expect(await stored(s)).toBe(0);
  });

  it('accepts a batch of exactly MAX_BATCH_EVENTS events and refuses one more with 413', async () => {
    const s = await server({ maxBatchEvents: 5 });
    const token = await s.token({ scope: 'events:publish' });
    const batch = (n: number) =>
      JSON.stringify(Array.from({ length: n }, (_, i) => incidentCreated('ten_test', i)));
    expect((await post(s.url, token, batch(5))).status).toBe(202);
    const refused = await post(s.url, token, batch(6));
    expect(refused.status).toBe(413);
    expect(refused.body.error.message).toBe(
      'the batch has more than 5 events; at most 5 per request (MAX_BATCH_EVENTS)',
    );
    expect(await stored(s)).toBe(5);
  });

  it('lists every issue, with no omitted counts, when there are fewer than the cap', async () => {
    const s = await server();
    const events = [incidentCreated('ten_test'), { ...incidentCreated('ten_test'), data: {} }];
    const res = await post(
      s.url,
      await s.token({ scope: 'events:publish' }),
      JSON.stringify(events),
    );
    expect(res.status).toBe(400);
    expect(res.body.error.details.length).toBeGreaterThan(0);
    expect(res.body.error.details.every((d: { index: number }) => d.index === 1)).toBe(true);
    expect(res.body.error).not.toHaveProperty('omitted');
  });

  it('caps the details of tenant_mismatch at the same 100 and counts the rest', async () => {
    const s = await server();
    const events = Array.from({ length: 1000 }, (_, i) => incidentCreated('ten_other', i));
    const res = await post(
      s.url,
      await s.token({ scope: 'events:publish' }),
      JSON.stringify(events),
    );
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('tenant_mismatch');
    expect(res.body.error.details).toHaveLength(MAX_BATCH_ISSUES);
    expect(res.body.error.omitted).toEqual({ issues: 900, uncheckedEvents: 0 });
  });
});

/** A memory log whose `append` rejects with `error`. */
function failingLog(error: unknown): EventLog {
  const log = createMemoryEventLog({ retention: 100 });
  cleanups.push(() => log.close());
  return new Proxy(log, {
    get(target, prop) {
      if (prop === 'append') return () => Promise.reject(error);
      const value = Reflect.get(target, prop);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Starts an app on `log`, recording its log lines. */
async function appWith(log: EventLog): Promise<{ url: string; token: string; lines: string[] }> {
  const secret = 'an-hs256-secret-of-at-least-32-characters';
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const config = createConfig({ auth: { kind: 'secret', secret }, port: 0, drainTimeoutMs: 500 });
  const app = createApp({ config, log, logger: pino({ level: 'error' }, sink) });
  const running = await app.listen();
  cleanups.push(() => running.close().then(() => app.close()));
  const token = await signToken({
    secret,
    claims: { tenantId: 'ten_test', scope: 'events:publish' },
    issuer: undefined,
    audience: undefined,
  });
  return { url: running.url, token, lines };
}

describe('errors from another copy of @causeflow/bus', () => {
  it('answers 400 invalid_event for a BatchValidationError that fails instanceof but has the right shape', async () => {
    // What a second build of the bus in the module graph throws: same name, other class.
    const foreign = Object.assign(new Error('1 validation issue(s)'), {
      name: 'BatchValidationError',
      issues: [{ index: 0, path: '/data', keyword: 'required', message: 'must have incidentId' }],
    });
    const { url, token } = await appWith(failingLog(foreign));
    const res = await post(url, token, JSON.stringify(incidentCreated('ten_test')));
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([
      { index: 0, path: '/data', message: 'must have incidentId' },
    ]);
  });

  it('treats an error named BatchValidationError without issues as internal, logging that error itself', async () => {
    const odd = Object.assign(new Error('not what it claims'), { name: 'BatchValidationError' });
    const { url, token, lines } = await appWith(failingLog(odd));
    const res = await post(url, token, JSON.stringify(incidentCreated('ten_test')));
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe('internal_error');
    // The logged error is the one thrown by the log, not a TypeError from reading `.issues`.
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!).err).toMatchObject({ message: 'not what it claims' });
  });

  it('answers 503 for a BusUnavailableError from another copy', async () => {
    const foreign = Object.assign(new Error('down'), { name: 'BusUnavailableError' });
    const { url, token } = await appWith(failingLog(foreign));
    const res = await post(url, token, JSON.stringify(incidentCreated('ten_test')));
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('bus_unavailable');
  });
});
