/**
 * The webhook endpoints API over HTTP: auth and scope, tenant isolation, bad input changing
 * nothing, limits, and deliveries from `POST /v1/events` to a real receiver on loopback.
 */
import { startReceiver } from '@causeflow/webhooks/testing';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../src/config.js';
import { CONFIG_DEFAULTS } from '../src/config.js';
import { startTestServer, type TestServer } from '../src/testing.js';
import { incidentCreated, userCreated } from './helpers.js';

/** Resolves with the first value of `check()` that is not `undefined` (polls every 10 ms). */
async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function server(
  webhooks: Partial<Config['webhooks']> = {},
  deps: Parameters<typeof startTestServer>[0] = {},
): Promise<TestServer> {
  const s = await startTestServer({
    ...deps,
    config: {
      webhooks: {
        ...CONFIG_DEFAULTS.webhooks,
        allowHttp: true,
        allowPrivate: true,
        retrySchedule: [30, 30],
        ...webhooks,
      },
    },
  });
  cleanups.push(() => s.close());
  return s;
}

async function receiver(respond?: NonNullable<Parameters<typeof startReceiver>[0]>['respond']) {
  const r = await startReceiver(respond === undefined ? {} : { respond });
  cleanups.push(() => r.close());
  return r;
}

function api(s: TestServer, token: string) {
  return async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const res = await fetch(`${s.url}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined
        ? {}
        : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      body: text === '' ? undefined : JSON.parse(text),
    };
  };
}

const manage = (s: TestServer, tenantId = 'ten_test') =>
  s.token({ tenantId, scope: 'webhooks:manage' });

describe('webhook endpoints API', () => {
  it('needs a bearer token with scope webhooks:manage and a tenant', async () => {
    const s = await server();
    expect((await api(s, 'x')('GET', '/v1/webhooks')).status).toBe(401);
    const noScope = await api(s, await s.token({ scope: 'events:read' }))('GET', '/v1/webhooks');
    expect(noScope.status).toBe(403);
    expect(noScope.body.error.code).toBe('insufficient_scope');
    const service = await api(s, await s.token({ tenantId: undefined, scope: 'webhooks:manage' }))(
      'GET',
      '/v1/webhooks',
    );
    expect(service.status).toBe(403);
    expect(service.body.error.code).toBe('tenant_required');
  });

  it('creates (secret shown once), lists, gets, updates and deletes an endpoint', async () => {
    const s = await server();
    const call = api(s, await manage(s));
    const created = await call('POST', '/v1/webhooks', {
      url: 'https://hooks.example.com/cf',
      events: ['incident.*'],
      description: 'pager',
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^whk_/),
      url: 'https://hooks.example.com/cf',
      events: ['incident.*'],
      description: 'pager',
      enabled: true,
      createdAt: expect.any(String),
      secret: expect.stringMatching(/^whsec_/),
    });
    expect(Buffer.from(created.body.secret.slice(6), 'base64').length).toBeGreaterThanOrEqual(24);
    const { id } = created.body;
    const list = await call('GET', '/v1/webhooks');
    expect(list.body.webhooks).toHaveLength(1);
    expect(JSON.stringify(list.body)).not.toContain('whsec_');
    expect((await call('GET', `/v1/webhooks/${id}`)).body).not.toHaveProperty('secret');
    const patched = await call('PATCH', `/v1/webhooks/${id}`, {
      events: ['user.created'],
      enabled: false,
    });
    expect(patched.body).toMatchObject({
      id,
      events: ['user.created'],
      enabled: false,
      description: 'pager',
    });
    const rotated = await call('POST', `/v1/webhooks/${id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(created.body.secret);
    expect((await call('DELETE', `/v1/webhooks/${id}`)).status).toBe(204);
    expect((await call('GET', `/v1/webhooks/${id}`)).status).toBe(404);
    expect((await call('GET', '/v1/webhooks')).body.webhooks).toEqual([]);
  });

  it("answers 404 for another tenant's endpoint on every route and changes nothing", async () => {
    const s = await server();
    const owner = api(s, await manage(s, 'ten_owner'));
    const { id } = (await owner('POST', '/v1/webhooks', { url: 'https://hooks.example.com/a' }))
      .body;
    const thief = api(s, await manage(s, 'ten_thief'));
    const attempts = [
      await thief('GET', `/v1/webhooks/${id}`),
      await thief('PATCH', `/v1/webhooks/${id}`, { url: 'https://evil.example.com/' }),
      await thief('POST', `/v1/webhooks/${id}/rotate-secret`),
      await thief('GET', `/v1/webhooks/${id}/deliveries`),
      await thief('POST', `/v1/webhooks/${id}/replay`, { after: null }),
      await thief('DELETE', `/v1/webhooks/${id}`),
    ];
    for (const res of attempts) {
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
    expect((await thief('GET', '/v1/webhooks')).body.webhooks).toEqual([]);
    expect((await owner('GET', `/v1/webhooks/${id}`)).body.url).toBe('https://hooks.example.com/a');
  });

  it('refuses bad input with a clear JSON error and stores nothing', async () => {
    const s = await server({ allowHttp: false, allowPrivate: false });
    const call = api(s, await manage(s));
    const cases: [unknown, number, string][] = [
      [{ url: 'https://hooks.example.com', events: ['incident.nope'] }, 400, 'unknown_event'],
      [{ url: 'https://hooks.example.com', events: 'incident.*' }, 400, 'invalid_events'],
      [{ url: 'https://127.0.0.1/x' }, 400, 'unsafe_url'],
      [{ url: 'https://[::ffff:169.254.169.254]/x' }, 400, 'unsafe_url'],
      [{ url: 'http://hooks.example.com' }, 400, 'unsafe_url'],
      [{ url: 'not a url' }, 400, 'invalid_url'],
      [{}, 400, 'invalid_url'],
      [{ url: 'https://hooks.example.com', secret: 'mine' }, 400, 'invalid_body'],
      [{ url: 'https://hooks.example.com', description: 5 }, 400, 'invalid_description'],
      [[], 400, 'invalid_body'],
      ['{not json', 400, 'invalid_json'],
    ];
    for (const [body, status, code] of cases) {
      const res = await call('POST', '/v1/webhooks', body);
      expect([res.status, res.body.error.code], JSON.stringify(body)).toEqual([status, code]);
      expect(typeof res.body.error.message).toBe('string');
    }
    const form = await call('POST', '/v1/webhooks', 'url=x', {
      'Content-Type': 'application/x-www-form-urlencoded',
    });
    expect(form.status).toBe(415);
    expect((await call('GET', '/v1/webhooks')).body.webhooks).toEqual([]);
    const { id } = (await call('POST', '/v1/webhooks', { url: 'https://hooks.example.com/' })).body;
    const bad = await call('PATCH', `/v1/webhooks/${id}`, {
      url: 'https://10.0.0.1/',
      enabled: false,
    });
    expect(bad.body.error.code).toBe('unsafe_url');
    expect((await call('GET', `/v1/webhooks/${id}`)).body).toMatchObject({
      url: 'https://hooks.example.com/',
      enabled: true,
    });
    expect((await call('GET', `/v1/webhooks/${id}/deliveries?status=lost`)).body.error.code).toBe(
      'invalid_status',
    );
    expect((await call('GET', `/v1/webhooks/${id}/deliveries?limit=0`)).body.error.code).toBe(
      'invalid_limit',
    );
    expect((await call('PUT', `/v1/webhooks/${id}`, {})).status).toBe(405);
    expect((await call('GET', `/v1/webhooks/${id}/nope`)).status).toBe(404);
  });

  it('enforces the per-tenant endpoint limit with a 409', async () => {
    const s = await server({ maxEndpointsPerTenant: 2 });
    const call = api(s, await manage(s));
    for (let i = 0; i < 2; i++)
      expect(
        (await call('POST', '/v1/webhooks', { url: `https://h${i}.example.com/` })).status,
      ).toBe(201);
    const over = await call('POST', '/v1/webhooks', { url: 'https://h3.example.com/' });
    expect(over.status).toBe(409);
    expect(over.body.error.code).toBe('endpoint_limit');
    expect(
      (
        await api(s, await manage(s, 'ten_other'))('POST', '/v1/webhooks', {
          url: 'https://h.example.com/',
        })
      ).status,
    ).toBe(201);
  });
});

describe('deliveries through the server', () => {
  it('delivers events accepted by POST /v1/events, signed, only to the tenant that published them', async () => {
    const s = await server();
    const mine = await receiver();
    const theirs = await receiver();
    const call = api(s, await manage(s, 'ten_a'));
    const created = (await call('POST', '/v1/webhooks', { url: mine.url })).body;
    await api(s, await manage(s, 'ten_b'))('POST', '/v1/webhooks', { url: theirs.url });
    const publish = async (tenantId: string, events: unknown[]) => {
      const res = await fetch(`${s.url}/v1/events`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${await s.token({ tenantId, scope: 'events:publish' })}`,
          'Content-Type': 'application/json',
        },
        body: JSON.stringify(events),
      });
      expect(res.status).toBe(202);
      return (await res.json()) as { ids: string[] };
    };
    const { ids } = await publish('ten_a', [incidentCreated('ten_a'), userCreated('ten_a')]);
    await publish('ten_b', [incidentCreated('ten_b')]);
    const requests = await mine.waitFor(2);
    await theirs.waitFor(1);
    expect(requests.map((r) => r.headers['webhook-id']).sort()).toEqual([...ids].sort());
    for (const r of requests) {
      const event = new Webhook(created.secret).verify(
        r.body,
        r.headers as Record<string, string>,
      ) as { tenantId: string };
      expect(event.tenantId).toBe('ten_a');
    }
    expect(JSON.parse(theirs.requests[0]!.body).tenantId).toBe('ten_b');
    await eventually(async () => {
      const all = await call('GET', `/v1/webhooks/${created.id}/deliveries?status=succeeded`);
      return all.body.deliveries.length === 2 ? true : undefined;
    });
    const page = await call('GET', `/v1/webhooks/${created.id}/deliveries?limit=1`);
    expect(page.status).toBe(200);
    expect(page.body.deliveries).toHaveLength(1);
    expect(page.body.deliveries[0]).toEqual({
      id: expect.stringMatching(/^dlv_/),
      eventId: expect.any(String),
      event: expect.any(String),
      cursor: expect.any(String),
      status: 'succeeded',
      attempts: [
        { at: expect.any(String), statusCode: 200, durationMs: expect.any(Number), error: null },
      ],
      nextAttemptAt: null,
    });
    const rest = await call(
      'GET',
      `/v1/webhooks/${created.id}/deliveries?limit=1&after=${page.body.next}`,
    );
    expect(rest.body.deliveries).toHaveLength(1);
    expect(rest.body.next).toBeNull();
    expect(rest.body.deliveries[0].id).not.toBe(page.body.deliveries[0].id);
    const replay = await call('POST', `/v1/webhooks/${created.id}/replay`, {
      after: requests[0]!.headers['causeflow-cursor'],
    });
    expect(replay.status).toBe(202);
    expect(replay.body).toEqual({
      queued: requests[0]!.headers['causeflow-cursor'] === page.body.deliveries[0].cursor ? 0 : 1,
    });
  });

  it('records blocked_destination when a name resolves to a private address at delivery, and sends nothing', async () => {
    const target = await receiver();
    const s = await server(
      { allowHttp: true, allowPrivate: false, retrySchedule: [] },
      { webhooks: { resolver: async () => [{ address: '127.0.0.1', family: 4 }] } },
    );
    const call = api(s, await manage(s));
    const created = await call('POST', '/v1/webhooks', {
      url: `http://rebind.example.com:${target.port}/hook`,
    });
    expect(created.status).toBe(201);
    await s.publish([incidentCreated('ten_test')]);
    const deliveries = await eventually(async () => {
      const page = await call('GET', `/v1/webhooks/${created.body.id}/deliveries?status=failed`);
      return page.body.deliveries.length > 0
        ? (page.body.deliveries as { attempts: { error: string }[] }[])
        : undefined;
    });
    expect(deliveries[0]!.attempts[0]!.error).toBe('blocked_destination');
    expect(target.requests).toHaveLength(0);
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toContain('causeflow_webhook_attempts_total{result="blocked_destination"} 1');
    expect(metrics).toContain('causeflow_webhook_pending_deliveries');
    expect(metrics).toContain('causeflow_webhook_attempt_duration_seconds_bucket');
  });
});
