/**
 * Webhooks under attack and under faults. Faults: two real server processes on a private Redis
 * (AOF), at-least-once producers, a receiver that fails, throttles, hangs and goes down for a
 * while, and an instance SIGKILLed mid-run and restarted. Passes with 0 acknowledged events lost
 * per endpoint and 0 deliveries to the wrong tenant; duplicates are counted. SSRF: every
 * forbidden destination form is tried at registration (400 `unsafe_url`) and, for DNS names
 * resolving to forbidden addresses and for redirects, at delivery (`blocked_destination` /
 * `redirect`, nothing reaches the target).
 */
import { randomBytes } from 'node:crypto';
import { signToken } from '@causeflow/stream-server';
import { startTestServer, type TestServer } from '@causeflow/stream-server/testing';
import { WEBHOOK_DEFAULTS } from '@causeflow/webhooks';
import { type ReceiverAnswer, startReceiver } from '@causeflow/webhooks/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { publishWithRetry, type TaggedEvent, tenantTraffic } from '../src/events.js';
import { report } from '../src/figures.js';
import { until } from '../src/net.js';
import { type ServerProcess, startRedis, startServerProcess } from '../src/process.js';
import { debug, sized } from '../src/scale.js';

const secret = randomBytes(32).toString('base64url');
const sign = (tenantId: string, scope: string) =>
  signToken({ secret, claims: { tenantId, scope } });
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
});

async function api(base: string, tenantId: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${await sign(tenantId, 'webhooks:manage')}`,
      'Content-Type': 'application/json',
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>),
  };
}

/** A deterministic answer per (id, attempt): 500s, 429s, hangs and successes. */
function flakyAnswer(id: string, attempt: number): ReceiverAnswer {
  let h = 0;
  for (const c of `${id}#${attempt}`) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  const roll = h % 100;
  if (attempt >= 4) return { status: 200 };
  if (roll < 15) return { status: 500 };
  if (roll < 20) return { status: 429, headers: { 'Retry-After': '0' } };
  if (roll < 23) return { hang: true };
  return { status: 200 };
}

describe('webhooks under faults', () => {
  it('loses no acknowledged event per endpoint through a flaky, down-then-up receiver and a SIGKILLed instance', async ({
    task,
  }) => {
    const redis = await startRedis({ appendOnly: true });
    cleanup.push(() => redis.stop());
    const tenants = ['ten_wh_a', 'ten_wh_b', 'ten_wh_c'];
    const successes = new Map<string, number>(); // "<path> <webhook-id>" → 2xx answers
    const attempts = new Map<string, number>();
    const receiver = await startReceiver({
      respond(request) {
        const key = `${request.path} ${String(request.headers['webhook-id'])}`;
        const n = attempts.get(key) ?? 0;
        attempts.set(key, n + 1);
        const answer = flakyAnswer(key, n);
        if (!answer.hang && (answer.status ?? 200) < 300)
          successes.set(key, (successes.get(key) ?? 0) + 1);
        return answer;
      },
    });
    cleanup.push(() => receiver.close());
    const env = {
      JWT_SECRET: secret,
      BUS: 'redis',
      REDIS_URL: redis.url,
      RETENTION: '200000',
      WEBHOOK_ALLOW_HTTP: '1',
      WEBHOOK_ALLOW_PRIVATE: '1',
      WEBHOOK_TIMEOUT_MS: '500',
      WEBHOOK_RETRY_SCHEDULE:
        '50ms,100ms,200ms,400ms,800ms,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s',
      DRAIN_TIMEOUT_MS: '3000',
    };
    let a: ServerProcess = await startServerProcess({ env });
    const b = await startServerProcess({ env });
    cleanup.push(
      () => a.kill(),
      () => b.kill(),
    );
    // Two endpoints per tenant (one for everything, one for incidents only), created on either instance.
    const endpoints: { tenantId: string; path: string; incidentsOnly: boolean }[] = [];
    for (const [i, tenantId] of tenants.entries()) {
      for (const incidentsOnly of [false, true]) {
        const path = `/${tenantId}/${incidentsOnly ? 'incidents' : 'all'}`;
        const created = await api(i % 2 ? a.url : b.url, tenantId, 'POST', '/v1/webhooks', {
          url: `${receiver.url}${path}`,
          ...(incidentsOnly ? { events: ['incident.*'] } : {}),
        });
        expect(created.status).toBe(201);
        endpoints.push({ tenantId, path, incidentsOnly });
      }
    }
    const batches = sized(15, 120);
    const acked = new Map<string, TaggedEvent[]>(tenants.map((t) => [t, []]));
    let killedAt = -1;
    await Promise.all(
      tenants.map(async (tenantId, index) => {
        const next = tenantTraffic({ tenantId, seed: 7000 + index, idPrefix: `evt_wh${index}` });
        const token = await sign(tenantId, 'events:publish');
        for (let batch = 0; batch < batches; batch++) {
          const events = Array.from({ length: 10 }, next);
          await publishWithRetry({
            urls: [a.url, b.url],
            token,
            events,
            deadline: Date.now() + 60_000,
          });
          acked.get(tenantId)!.push(...events);
          if (index === 0 && batch === Math.floor(batches / 3)) {
            killedAt = acked.get(tenantId)!.length;
            debug('webhooks: SIGKILL instance A and take the receiver down');
            await a.kill('SIGKILL');
            await receiver.stop();
          }
          if (index === 0 && batch === Math.floor((2 * batches) / 3)) {
            await receiver.listen();
            a = await startServerProcess({ env, port: a.port });
            debug('webhooks: instance A restarted, receiver up');
          }
        }
      }),
    );
    const expected = endpoints.flatMap((e) =>
      acked
        .get(e.tenantId)!
        .filter((ev) => !e.incidentsOnly || ev.event.startsWith('incident.'))
        .map((ev) => `${e.path} ${ev.id}`),
    );
    await until(() => expected.every((key) => (successes.get(key) ?? 0) > 0), {
      timeoutMs: sized(90_000, 600_000),
      intervalMs: 200,
      what: 'every acknowledged event at every matching endpoint',
    });
    const lost = expected.filter((key) => !successes.has(key)).length;
    const duplicates = [...successes.values()].reduce((n, c) => n + (c - 1), 0);
    const wrongTenant = receiver.requests.filter((r) => {
      const tenant = (JSON.parse(r.body) as { tenantId: string }).tenantId;
      return !r.path.startsWith(`/${tenant}/`);
    }).length;
    const unexpected = [...successes.keys()].filter((k) => !expected.includes(k)).length;
    report(task.context, {
      check: 'Webhooks',
      name: 'delivery under faults',
      summary: `${expected.length} expected deliveries, ${lost} lost, ${duplicates} duplicate(s), ${wrongTenant} to a wrong tenant`,
      data: {
        expected: expected.length,
        lost,
        duplicates,
        wrongTenant,
        unexpected,
        requests: receiver.requests.length,
        killedAfter: killedAt,
      },
    });
    expect(lost).toBe(0);
    expect(wrongTenant).toBe(0);
    expect(unexpected).toBe(0);
  });
});

/** Destination forms refused at registration (no DNS needed to see them). */
const VISIBLE = [
  'https://127.0.0.1/',
  'https://127.1/',
  'https://2130706433/',
  'https://017700000001/',
  'https://0x7f000001/',
  'https://0x7f.0.0.1/',
  'https://0177.0.0.1/',
  'https://localhost/',
  'https://LocalHost./',
  'https://a.b.localhost/',
  'https://0/',
  'https://0.0.0.0/',
  'https://169.254.169.254/latest/meta-data/',
  'https://2852039166/',
  'https://[::1]/',
  'https://[::]/',
  'https://[::ffff:127.0.0.1]/',
  'https://[::ffff:7f00:1]/',
  'https://[::ffff:a9fe:a9fe]/',
  'https://[0:0:0:0:0:ffff:10.0.0.1]/',
  'https://[64:ff9b::a9fe:a9fe]/',
  'https://[fd00:ec2::254]/',
  'https://[fe80::1]/',
  'https://10.0.0.1/',
  'https://172.16.0.1/',
  'https://172.31.255.255/',
  'https://192.168.0.1/',
  'https://100.64.0.1/',
  'https://100.100.100.200/',
  'https://198.18.0.1/',
  'https://224.0.0.251/',
  'https://239.255.255.250/',
  'https://[ff02::1]/',
  'https://255.255.255.255/',
  'http://hooks.example.com/',
  'ftp://hooks.example.com/',
  'file:///etc/passwd',
  'gopher://127.0.0.1:6379/_PING',
  'javascript:alert(1)',
];

/** DNS names and the forbidden address each resolves to (a fake resolver; no network). */
const RESOLVED: Record<string, string[]> = {
  'loopback.rebind.test': ['127.0.0.1'],
  'private.rebind.test': ['10.1.2.3'],
  'metadata.rebind.test': ['169.254.169.254'],
  'cgnat.rebind.test': ['100.64.1.1'],
  'v6loop.rebind.test': ['::1'],
  'mapped.rebind.test': ['::ffff:127.0.0.1'],
  'ula.rebind.test': ['fd00::5'],
  'zero.rebind.test': ['0.0.0.0'],
  'multicast.rebind.test': ['224.0.0.1'],
  'mixed.rebind.test': ['93.184.216.34', '127.0.0.1'],
};

describe('webhooks SSRF', () => {
  const servers: TestServer[] = [];
  afterAll(async () => {
    for (const s of servers) await s.close();
  });

  it('refuses every forbidden destination at registration and at delivery; redirects are never followed', async ({
    task,
  }) => {
    const target = await startReceiver();
    cleanup.push(() => target.close());
    const strict = await startTestServer({ jwtSecret: secret });
    servers.push(strict);
    let refused = 0;
    const accepted: string[] = [];
    for (const url of VISIBLE) {
      const res = await api(strict.url, 'ten_ssrf', 'POST', '/v1/webhooks', { url });
      const code = (res.body?.error as { code?: string } | undefined)?.code;
      if (res.status === 400 && (code === 'unsafe_url' || code === 'invalid_url')) refused++;
      else accepted.push(`${url} → ${res.status}`);
    }
    // DNS names: visible only at delivery. http allowed so the loopback target is reachable if anything leaks.
    let calls = 0;
    const dns = await startTestServer({
      jwtSecret: secret,
      config: { webhooks: { ...WEBHOOK_DEFAULTS, allowHttp: true, retrySchedule: [] } },
      webhooks: {
        resolver: async (hostname) => {
          calls++;
          return (RESOLVED[hostname] ?? ['127.0.0.1']).map((address) => ({
            address,
            family: address.includes(':') ? 6 : 4,
          }));
        },
      },
    });
    servers.push(dns);
    const ids: string[] = [];
    for (const name of Object.keys(RESOLVED)) {
      const res = await api(dns.url, 'ten_ssrf', 'POST', '/v1/webhooks', {
        url: `http://${name}:${target.port}/x`,
      });
      expect(res.status).toBe(201);
      ids.push(String(res.body!.id));
    }
    await dns.publish([ssrfEvent()]);
    const blocked = await untilDeliveries(dns, ids, 'blocked_destination');
    // Redirects: a permitted destination answering 302 to the metadata address and to the target.
    const open = await startTestServer({
      jwtSecret: secret,
      config: {
        webhooks: { ...WEBHOOK_DEFAULTS, allowHttp: true, allowPrivate: true, retrySchedule: [] },
      },
    });
    servers.push(open);
    const redirector = await startReceiver({
      respond: (_, i) => ({
        status: [301, 302, 307, 308][i % 4],
        headers: {
          Location: i % 2 ? 'http://169.254.169.254/latest/meta-data/' : `${target.url}/stolen`,
        },
      }),
    });
    cleanup.push(() => redirector.close());
    const redirectIds: string[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await api(open.url, 'ten_ssrf', 'POST', '/v1/webhooks', {
        url: `${redirector.url}/r${i}`,
      });
      redirectIds.push(String(res.body!.id));
    }
    await open.publish([ssrfEvent()]);
    const redirects = await untilDeliveries(open, redirectIds, 'redirect');
    const tried = VISIBLE.length + Object.keys(RESOLVED).length + redirectIds.length;
    const reached = target.requests.length;
    report(task.context, {
      check: 'Webhooks',
      name: 'SSRF destinations',
      summary: `${tried} tried, ${refused + blocked + redirects} refused, ${reached} reached a forbidden target`,
      data: {
        visible: VISIBLE.length,
        refusedAtRegistration: refused,
        accepted,
        dnsNames: Object.keys(RESOLVED).length,
        blockedAtDelivery: blocked,
        lookups: calls,
        redirects,
        reached,
      },
    });
    expect(accepted).toEqual([]);
    expect(blocked).toBe(Object.keys(RESOLVED).length);
    expect(redirects).toBe(redirectIds.length);
    expect(reached).toBe(0);
  });
});

function ssrfEvent(): TaggedEvent {
  return tenantTraffic({
    tenantId: 'ten_ssrf',
    seed: 1,
    idPrefix: `evt_ssrf${randomBytes(3).toString('hex')}`,
  })();
}

/** Waits until each endpoint has a failed delivery; returns how many failed with `error`. */
async function untilDeliveries(
  server: TestServer,
  ids: readonly string[],
  error: string,
): Promise<number> {
  let matching = 0;
  await until(
    async () => {
      matching = 0;
      for (const id of ids) {
        const res = await api(
          server.url,
          'ten_ssrf',
          'GET',
          `/v1/webhooks/${id}/deliveries?status=failed`,
        );
        const deliveries = (res.body?.deliveries ?? []) as { attempts: { error: string }[] }[];
        if (deliveries.length === 0) return false;
        if (deliveries[0]!.attempts[0]!.error === error) matching++;
      }
      return true;
    },
    { timeoutMs: 20_000, what: `failed deliveries (${error})` },
  );
  return matching;
}
