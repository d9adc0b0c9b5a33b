import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../src/testing.js';
import { createMemoryTicketStore } from '../src/tickets.js';
import { incidentCreated, openStream, until } from './helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ config: { ticketTtlMs: 300 } });
});
afterAll(async () => {
  await server?.close();
});

async function issue(token: string): Promise<Response> {
  return fetch(`${server.url}/v1/notifications/tickets`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}` },
  });
}
async function ticketFor(tenantId: string, expiresInSeconds?: number): Promise<string> {
  const res = await issue(
    await server.token({
      tenantId,
      ...(expiresInSeconds === undefined ? {} : { expiresInSeconds }),
    }),
  );
  expect(res.status).toBe(200);
  return ((await res.json()) as { ticket: string }).ticket;
}
const streamUrl = (ticket: string) =>
  `${server.url}/v1/notifications/stream?ticket=${encodeURIComponent(ticket)}`;

describe('POST /v1/notifications/tickets', () => {
  it('exchanges a tenant token for a short-lived ticket', async () => {
    const before = Date.now();
    const res = await issue(await server.token({ tenantId: 'ten_tix' }));
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as { ticket: string; expiresAt: string };
    expect(body.ticket).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    const expiresAt = Date.parse(body.expiresAt);
    expect(expiresAt).toBeGreaterThan(before);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 300);
  });

  it('refuses a token without a tenant with 403 and no token with 401', async () => {
    expect((await issue(await server.token({ tenantId: undefined }))).status).toBe(403);
    const none = await fetch(`${server.url}/v1/notifications/tickets`, { method: 'POST' });
    expect(none.status).toBe(401);
  });

  it('opens the tenant stream exactly once per ticket', async () => {
    const ticket = await ticketFor('ten_tix_once');
    const first = await openStream(streamUrl(ticket));
    try {
      expect(first.response.status).toBe(200);
      await server.publish([incidentCreated('ten_tix_other'), incidentCreated('ten_tix_once', 5)]);
      const [message] = await first.waitFor(1, (m) => m.event === 'incident.created');
      expect(JSON.parse(message!.data).tenantId).toBe('ten_tix_once');
      const second = await fetch(streamUrl(ticket));
      expect(second.status).toBe(401);
      expect(second.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    } finally {
      first.close();
    }
  });

  it('accepts a ticket until its TTL has passed, then refuses it, and refuses an unknown one', async () => {
    // The ticket store takes a clock: the test moves it instead of sleeping past the TTL.
    let clock = Date.now();
    const store = createMemoryTicketStore({
      ttlMs: 300,
      maxPerTenant: 10,
      maxOutstanding: 10,
      now: () => clock,
    });
    const clocked = await startTestServer({ tickets: store });
    try {
      const ask = async () => {
        const res = await fetch(`${clocked.url}/v1/notifications/tickets`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${await clocked.token({ tenantId: 'ten_tix_late' })}` },
        });
        expect(res.status).toBe(200);
        return ((await res.json()) as { ticket: string }).ticket;
      };
      const url = (ticket: string) =>
        `${clocked.url}/v1/notifications/stream?ticket=${encodeURIComponent(ticket)}`;
      const [onTime, late] = [await ask(), await ask()];
      clock += 299;
      const opened = await openStream(url(onTime));
      opened.close();
      expect(opened.response.status).toBe(200);
      clock += 1;
      expect((await fetch(url(late))).status).toBe(401);
      expect((await fetch(url('made-up'))).status).toBe(401);
    } finally {
      await clocked.close();
      await store.close();
    }
  });

  it('ends a ticket stream when the token it was issued for expires', async () => {
    const ticket = await ticketFor('ten_tix_exp', 2);
    const st = await openStream(streamUrl(ticket));
    expect(st.response.status).toBe(200);
    // Resolves only once the server ends the body: a stream outliving its token fails by timeout.
    await st.ended;
  });

  it('lets a plain EventSource (no custom headers) stream with a ticket', async () => {
    const ticket = await ticketFor('ten_tix_es');
    const es = new EventSource(streamUrl(ticket));
    try {
      const received: string[] = [];
      es.addEventListener('incident.created', (e) => received.push(e.data as string));
      await new Promise<void>((resolve) => {
        es.onopen = () => resolve();
      });
      await server.publish([incidentCreated('ten_tix_es', 8)]);
      await until(() => received.length === 1, 3000, 'the event');
      expect(JSON.parse(received[0]!).data.incidentId).toBe('inc_T8');
    } finally {
      es.close();
    }
  });

  it('holds one tenant at its quota with a 429 a browser can read, while another tenant still gets tickets', async () => {
    const limited = await startTestServer({
      config: { ticketMaxPerTenant: 2 },
      corsOrigins: ['https://app.example.com'],
    });
    try {
      const ask = async (tenantId: string) =>
        fetch(`${limited.url}/v1/notifications/tickets`, {
          method: 'POST',
          headers: {
            Authorization: `Bearer ${await limited.token({ tenantId })}`,
            Origin: 'https://app.example.com',
          },
        });
      expect((await ask('ten_greedy')).status).toBe(200);
      expect((await ask('ten_greedy')).status).toBe(200);
      const refused = await ask('ten_greedy');
      expect(refused.status).toBe(429);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe(
        'too_many_tickets',
      );
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(refused.headers.get('access-control-expose-headers')).toMatch(/Retry-After/i);
      expect((await ask('ten_modest')).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
