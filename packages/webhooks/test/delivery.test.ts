import { Writable } from 'node:stream';
import pino from 'pino';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { startReceiver } from '../src/testing.js';
import { eventually, incident, onCleanup, startWebhooks, userCreated } from './support.js';

const T = 'ten_hooks';

async function receiver(respond?: NonNullable<Parameters<typeof startReceiver>[0]>['respond']) {
  const r = await startReceiver(respond === undefined ? {} : { respond });
  onCleanup(() => r.close());
  return r;
}

describe('webhook delivery to a real receiver', () => {
  it('POSTs the envelope exactly as on the stream, with Standard Webhooks headers the official package verifies', async () => {
    const { log, webhooks } = await startWebhooks();
    const r = await receiver();
    const endpoint = await webhooks.create(T, { url: `${r.url}/hook` });
    const [stored] = await log.append([incident(T)]);
    const [request] = await r.waitFor(1);
    expect(request!.body).toBe(JSON.stringify(stored!.event));
    expect(request!.headers).toMatchObject({
      'content-type': 'application/json',
      'webhook-id': stored!.event.id,
      'causeflow-cursor': stored!.cursor,
      'user-agent': expect.stringMatching(/^CauseFlow-Webhooks\//),
    });
    expect(request!.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(Number(request!.headers['webhook-timestamp'])).toBeCloseTo(Date.now() / 1000, -2);
    const verified = new Webhook(endpoint.secret).verify(
      request!.body,
      request!.headers as Record<string, string>,
    );
    expect(verified).toEqual(stored!.event);
    const page = await eventually(async () => {
      const p = await webhooks.deliveries(T, endpoint.id, { limit: 10 });
      return p.deliveries[0]?.status === 'succeeded' ? p : undefined;
    });
    expect(page.deliveries[0]).toMatchObject({
      eventId: stored!.event.id,
      event: 'incident.created',
      cursor: stored!.cursor,
      status: 'succeeded',
      attempts: [
        { statusCode: 200, error: null, durationMs: expect.any(Number), at: expect.any(String) },
      ],
      nextAttemptAt: null,
    });
  });

  it('retries a flaky receiver (500, 500, then 200) with the same webhook-id and records every attempt', async () => {
    const { log, webhooks } = await startWebhooks({ retrySchedule: [50, 50, 50] });
    const r = await receiver((_, i) => ({ status: i < 2 ? 500 : 200 }));
    const endpoint = await webhooks.create(T, { url: r.url });
    const [stored] = await log.append([incident(T)]);
    const requests = await r.waitFor(3);
    expect(new Set(requests.map((q) => q.headers['webhook-id']))).toEqual(
      new Set([stored!.event.id]),
    );
    const delivery = await eventually(async () => {
      const [d] = (await webhooks.deliveries(T, endpoint.id, { limit: 1 })).deliveries;
      return d?.status === 'succeeded' ? d : undefined;
    });
    expect(delivery.attempts.map((a) => [a.statusCode, a.error])).toEqual([
      [500, 'http_500'],
      [500, 'http_500'],
      [200, null],
    ]);
  });

  it('marks a delivery failed after the last scheduled attempt', async () => {
    const { log, webhooks, registry } = await startWebhooks({ retrySchedule: [20, 20] });
    const r = await receiver(() => ({ status: 503 }));
    const endpoint = await webhooks.create(T, { url: r.url });
    await log.append([incident(T)]);
    const delivery = await eventually(async () => {
      const [d] = (await webhooks.deliveries(T, endpoint.id, { limit: 1, status: 'failed' }))
        .deliveries;
      return d;
    });
    expect(delivery.attempts).toHaveLength(3);
    expect(delivery.nextAttemptAt).toBeNull();
    expect(r.requests).toHaveLength(3);
    expect(await registry.getSingleMetricAsString('causeflow_webhook_deliveries_total')).toContain(
      'outcome="failed"} 1',
    );
  });

  it('times out a slow receiver and delivers on the next attempt', async () => {
    const { log, webhooks } = await startWebhooks({ timeoutMs: 150, retrySchedule: [20] });
    const r = await receiver((_, i) => (i === 0 ? { hang: true } : { status: 204 }));
    const endpoint = await webhooks.create(T, { url: r.url });
    await log.append([incident(T)]);
    await r.waitFor(2);
    const delivery = await eventually(async () => {
      const [d] = (await webhooks.deliveries(T, endpoint.id, { limit: 1, status: 'succeeded' }))
        .deliveries;
      return d;
    });
    expect(delivery.attempts.map((a) => a.error)).toEqual(['timeout', null]);
    expect(delivery.attempts[0]!.statusCode).toBeNull();
  });

  it('keeps retrying while the receiver is down and delivers everything once it is back', async () => {
    const { log, webhooks } = await startWebhooks({
      retrySchedule: [30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
    });
    const r = await receiver();
    const endpoint = await webhooks.create(T, { url: r.url });
    await r.stop();
    const stored = await log.append([incident(T), incident(T), incident(T)]);
    await eventually(async () => {
      const p = await webhooks.deliveries(T, endpoint.id, { limit: 10 });
      return p.deliveries.length === 3 && p.deliveries.every((d) => d.attempts.length >= 2)
        ? true
        : undefined;
    }, 'failed attempts while down');
    await r.listen();
    const requests = await r.waitFor(3);
    expect(new Set(requests.map((q) => q.headers['webhook-id']))).toEqual(
      new Set(stored.map((s) => s.event.id)),
    );
    const page = await eventually(async () => {
      const p = await webhooks.deliveries(T, endpoint.id, { limit: 10, status: 'succeeded' });
      return p.deliveries.length === 3 ? p : undefined;
    });
    for (const d of page.deliveries) expect(d.attempts[0]!.error).toBe('connection_refused');
  });

  it('honours Retry-After on 429 within the schedule', async () => {
    const { log, webhooks } = await startWebhooks({ retrySchedule: [20, 5000] });
    const r = await receiver((_, i) =>
      i === 0 ? { status: 429, headers: { 'Retry-After': '1' } } : { status: 200 },
    );
    await webhooks.create(T, { url: r.url });
    await log.append([incident(T)]);
    const [first, second] = await r.waitFor(2);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950);
  });

  it('does not follow redirects: a 3xx is a failed attempt', async () => {
    const { log, webhooks } = await startWebhooks({ retrySchedule: [] });
    const target = await receiver();
    const r = await receiver(() => ({ status: 302, headers: { Location: target.url } }));
    const endpoint = await webhooks.create(T, { url: r.url });
    await log.append([incident(T)]);
    const [delivery] = await eventually(async () => {
      const p = await webhooks.deliveries(T, endpoint.id, { limit: 1, status: 'failed' });
      return p.deliveries.length > 0 ? p.deliveries : undefined;
    });
    expect(delivery!.attempts[0]).toMatchObject({ statusCode: 302, error: 'redirect' });
    expect(target.requests).toHaveLength(0);
  });

  it('delivers only events matching the filter and none from before the endpoint existed', async () => {
    const { log, webhooks } = await startWebhooks();
    const r = await receiver();
    await log.append([incident(T)]);
    await webhooks.create(T, { url: r.url, events: ['user.*'] });
    await log.append([
      incident(T),
      userCreated(T),
      incident('ten_other'),
      userCreated('ten_other'),
    ]);
    const sentinel = await log.append([userCreated(T)]);
    await r.waitFor(2);
    await webhooks.dispatcher.idle();
    expect(r.requests.map((q) => JSON.parse(q.body).event)).toEqual([
      'user.created',
      'user.created',
    ]);
    expect(r.requests.at(-1)!.headers['webhook-id']).toBe(sentinel[0]!.event.id);
    expect(r.requests.every((q) => JSON.parse(q.body).tenantId === T)).toBe(true);
  });

  it('never sends a new endpoint events from before it existed, even when the dispatch checkpoint lags', async () => {
    const { log, webhooks } = await startWebhooks();
    const r = await receiver();
    const paused = await webhooks.create(T, { url: r.url, events: ['user.created'] });
    await log.append([incident(T)]);
    await webhooks.dispatcher.idle();
    await webhooks.update(T, paused.id, { enabled: false });
    await log.append([incident(T), incident(T)]);
    await webhooks.create(T, { url: r.url });
    const [sentinel] = await log.append([incident(T)]);
    await r.waitFor(1);
    await webhooks.dispatcher.idle();
    expect(r.requests.map((q) => q.headers['webhook-id'])).toEqual([sentinel!.event.id]);
  });

  it('signs with the old and the new secret during the overlap after a rotation, then only the new one', async () => {
    let now = Date.now();
    const { log, webhooks } = await startWebhooks({ secretOverlapMs: 60_000 }, { now: () => now });
    const r = await receiver();
    const endpoint = await webhooks.create(T, { url: r.url });
    const { secret } = await webhooks.rotateSecret(T, endpoint.id);
    expect(secret).toMatch(/^whsec_/);
    await log.append([incident(T)]);
    const [during] = await r.waitFor(1);
    expect(String(during!.headers['webhook-signature']).split(' ')).toHaveLength(2);
    for (const s of [endpoint.secret, secret])
      expect(
        new Webhook(s).verify(during!.body, during!.headers as Record<string, string>),
      ).toBeTruthy();
    now += 61_000;
    await log.append([incident(T)]);
    const [, after] = await r.waitFor(2);
    expect(String(after!.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(() =>
      new Webhook(endpoint.secret).verify(after!.body, {
        ...(after!.headers as Record<string, string>),
        'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
      }),
    ).toThrow();
  });

  it('replays every matching retained event after a cursor', async () => {
    const { log, webhooks } = await startWebhooks();
    const r = await receiver();
    const endpoint = await webhooks.create(T, { url: r.url, events: ['incident.created'] });
    const stored = await log.append([incident(T), userCreated(T), incident(T), incident(T)]);
    await r.waitFor(3);
    const { queued } = await webhooks.replay(T, endpoint.id, { after: stored[0]!.cursor });
    expect(queued).toBe(2);
    const requests = await r.waitFor(5);
    expect(
      requests
        .slice(3)
        .map((q) => q.headers['webhook-id'])
        .sort(),
    ).toEqual([stored[2]!.event.id, stored[3]!.event.id].sort());
    await expect(webhooks.replay(T, endpoint.id, { after: 'nonsense' })).rejects.toMatchObject({
      status: 400,
      code: 'unknown_cursor',
    });
  });

  it('disables an endpoint whose attempts have all failed for WEBHOOK_DISABLE_AFTER_MS, with a reason and a metric', async () => {
    let now = Date.now();
    const { log, webhooks, registry } = await startWebhooks(
      { retrySchedule: [20, 20, 20], disableAfterMs: 1000 },
      { now: () => now },
    );
    const r = await receiver(() => {
      now += 600;
      return { status: 500 };
    });
    const endpoint = await webhooks.create(T, { url: r.url });
    await log.append([incident(T)]);
    const disabled = await eventually(async () => {
      const e = await webhooks.get(T, endpoint.id);
      return e.enabled ? undefined : e;
    });
    expect(disabled.disabledReason).toMatch(/failed since/);
    expect(
      await registry.getSingleMetricAsString('causeflow_webhook_endpoints_disabled_total'),
    ).toMatch(/ 1$/m);
    const reenabled = await webhooks.update(T, endpoint.id, { enabled: true });
    expect(reenabled.enabled).toBe(true);
    expect(reenabled.disabledReason).toBeUndefined();
  });

  it('delivers nothing more to a deleted endpoint', async () => {
    const { log, webhooks } = await startWebhooks({ retrySchedule: [200] });
    const r = await receiver(() => ({ status: 500 }));
    const endpoint = await webhooks.create(T, { url: r.url });
    await log.append([incident(T)]);
    await r.waitFor(1);
    await webhooks.remove(T, endpoint.id);
    const other = await receiver();
    await webhooks.create(T, { url: other.url });
    await log.append([incident(T)]);
    await other.waitFor(1);
    expect(r.requests).toHaveLength(1);
    await expect(webhooks.get(T, endpoint.id)).rejects.toMatchObject({ status: 404 });
  });

  it('holds dispatch at the pending bound without losing events, and refuses a replay over it with 429', async () => {
    const { log, webhooks } = await startWebhooks({ maxPendingPerTenant: 3 });
    let open = false;
    const r = await receiver(() => (open ? { status: 200 } : { hang: true }));
    const endpoint = await webhooks.create(T, { url: r.url });
    const stored = await log.append(Array.from({ length: 10 }, () => incident(T)));
    await r.waitFor(3);
    await webhooks.dispatcher.idle();
    expect((await webhooks.store.pendingCounts(T)).tenant).toBe(3);
    await expect(webhooks.replay(T, endpoint.id, {})).rejects.toMatchObject({
      status: 429,
      code: 'too_many_pending',
    });
    open = true;
    const requests = await r.waitFor(10, (q) => q !== undefined, 20_000);
    expect(new Set(requests.map((q) => q.headers['webhook-id'])).size).toBeGreaterThanOrEqual(7);
    await eventually(
      async () => {
        const ids = new Set(r.requests.map((q) => q.headers['webhook-id']));
        return stored.every((e) => ids.has(e.event.id)) ? true : undefined;
      },
      'every event despite the bound',
      20_000,
    );
  });

  it('logs no secret, body or URL path', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const { log, webhooks } = await startWebhooks(
      { retrySchedule: [10] },
      { logger: pino({ level: 'trace' }, sink) },
    );
    const r = await receiver((_, i) => ({ status: i === 0 ? 500 : 200 }));
    const endpoint = await webhooks.create(T, { url: `${r.url}/private-path?token=abc` });
    const { secret } = await webhooks.rotateSecret(T, endpoint.id);
    await log.append([incident(T, 4242)]);
    await r.waitFor(2);
    await webhooks.dispatcher.idle();
    const text = lines.join('');
    expect(text).toContain('webhook attempt');
    for (const leak of [
      endpoint.secret,
      secret,
      'whsec_',
      'Incident 4242',
      'private-path',
      'token=abc',
    ])
      expect(text).not.toContain(leak);
  });
});
