/**
 * `GET /v1/events` over a real ephemeral port: paging, limits, filters, resets, tenant isolation
 * and authentication, against the contract in architecture.md ("One cursor, three ways to receive").
 */
import { BusUnavailableError, createMemoryEventLog, type EventLog } from '@causeflow/bus';
import { afterEach, describe, expect, it } from 'vitest';
import type { TestServer } from '../src/testing.js';
import {
  incidentCreated,
  openStream,
  remediationApproved,
  serverStarter,
  userCreated,
} from './helpers.js';
import { getEvents, page, READ_SCOPE } from './rest.support.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const server = serverStarter(cleanups);

async function reader(s: TestServer, tenantId: string): Promise<string> {
  return s.token({ tenantId, scope: READ_SCOPE });
}

describe('GET /v1/events paging', () => {
  it('pages through every retained event, 100 per page by default, passing next as after', async () => {
    const s = await server();
    const tenant = 'ten_pages';
    const stored = await s.publish(
      Array.from({ length: 250 }, (_, i) => incidentCreated(tenant, i)),
    );
    const token = await reader(s, tenant);
    const first = await getEvents(s.url, token);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toMatch(/^application\/json/);
    expect(first.headers.get('cache-control')).toBe('no-store');
    expect(first.body.events).toHaveLength(100);
    expect(first.body).toMatchObject({ next: stored[99]!.cursor, hasMore: true, reset: false });
    expect(first.body.events[0]).toEqual({ cursor: stored[0]!.cursor, event: stored[0]!.event });

    const second = await page(s.url, token, { after: first.body.next! });
    const third = await page(s.url, token, { after: second.next! });
    expect([...first.body.events, ...second.events, ...third.events].map((e) => e.cursor)).toEqual(
      stored.map((e) => e.cursor),
    );
    expect(second).toMatchObject({ hasMore: true, reset: false });
    expect(third).toMatchObject({ next: stored[249]!.cursor, hasMore: false, reset: false });
    expect(third.events).toHaveLength(50);
  });

  it('answers an empty page with next = after once caught up, and the origin cursor for an empty log', async () => {
    const s = await server();
    const token = await reader(s, 'ten_empty');
    const empty = (await getEvents(s.url, token)).body as { next: unknown };
    expect(empty).toEqual({ events: [], next: expect.any(String), hasMore: false, reset: false });
    const origin = empty.next as string;
    // The origin cursor is a real place: the stream resumes from it (no stream.reset) and REST
    // pages after it, both starting with the tenant's first event.
    const stream = await openStream(`${s.url}/v1/notifications/stream`, {
      token,
      headers: { 'Last-Event-ID': origin },
    });
    try {
      const [stored] = await s.publish([userCreated('ten_empty')]);
      const [frame] = await stream.waitFor(1, (m) => m.event === 'user.created');
      expect(frame?.id).toBe(stored!.cursor);
      expect(stream.messages.some((m) => m.event === 'stream.reset')).toBe(false);
      const fromOrigin = await page(s.url, token, { after: origin });
      expect(fromOrigin).toMatchObject({ next: stored!.cursor, reset: false });
      const caughtUp = await page(s.url, token, { after: stored!.cursor });
      expect(caughtUp).toEqual({ events: [], next: stored!.cursor, hasMore: false, reset: false });
      const [later] = await s.publish([userCreated('ten_empty')]);
      const polled = await page(s.url, token, { after: caughtUp.next! });
      expect(polled.events.map((e) => e.cursor)).toEqual([later!.cursor]);
    } finally {
      stream.close();
    }
  });

  it('treats an empty after= as absent (from the oldest retained event)', async () => {
    const s = await server();
    const stored = await s.publish([userCreated('ten_blank'), userCreated('ten_blank')]);
    const p = await page(s.url, await reader(s, 'ten_blank'), { after: '' });
    expect(p.events.map((e) => e.cursor)).toEqual(stored.map((e) => e.cursor));
    expect(p.reset).toBe(false);
  });
});

describe('GET /v1/events limits', () => {
  it('accepts limit=1 and limit=1000', async () => {
    const s = await server();
    const tenant = 'ten_limits';
    const stored = await s.publish(
      Array.from({ length: 1001 }, (_, i) => incidentCreated(tenant, i)),
    );
    const token = await reader(s, tenant);
    const one = await page(s.url, token, { limit: '1' });
    expect(one.events.map((e) => e.cursor)).toEqual([stored[0]!.cursor]);
    expect(one.hasMore).toBe(true);
    const most = await page(s.url, token, { limit: '1000' });
    expect(most.events).toHaveLength(1000);
    expect(most).toMatchObject({ next: stored[999]!.cursor, hasMore: true });
  });

  it.each([
    'limit=0',
    'limit=1001',
    'limit=-1',
    'limit=1.5',
    'limit=abc',
    'limit=',
    'limit=1e2',
    'limit=%201',
    'limit=10000000000',
    'limit=1&limit=2',
  ])('refuses %s with 400 invalid_limit', async (query) => {
    const s = await server();
    const answer = await getEvents(s.url, await reader(s, 'ten_limits'), query);
    expect(answer.status).toBe(400);
    expect(answer.body.error?.code).toBe('invalid_limit');
    expect(answer.body.error?.message).toMatch(/limit= must be a whole number from 1 to 1000/);
  });

  it('refuses an after= that cannot be a cursor with 400 invalid_cursor', async () => {
    const s = await server();
    const token = await reader(s, 'ten_cursor');
    for (const after of ['x'.repeat(513), 'a\nb', 'a\u0000b']) {
      const answer = await getEvents(s.url, token, { after });
      expect(answer.status, JSON.stringify(after)).toBe(400);
      expect(answer.body.error?.code).toBe('invalid_cursor');
    }
  });
});

describe('GET /v1/events filters', () => {
  it('applies events= and incidentId= together, as the stream does', async () => {
    const s = await server();
    const tenant = 'ten_filters';
    const stored = await s.publish([
      incidentCreated(tenant, 1, 'inc_A'),
      remediationApproved(tenant, 'inc_A'),
      incidentCreated(tenant, 2, 'inc_B'),
      userCreated(tenant),
      remediationApproved(tenant, 'inc_B'),
      incidentCreated(tenant, 3, 'inc_A'),
    ]);
    const token = await reader(s, tenant);
    const both = await page(s.url, token, { events: 'incident.*', incidentId: 'inc_A' });
    expect(both.events.map((e) => e.cursor)).toEqual([stored[0]!.cursor, stored[5]!.cursor]);
    const names = await page(s.url, token, { events: 'remediation.approved,user.created' });
    expect(names.events.map((e) => e.cursor)).toEqual(
      [stored[1]!, stored[3]!, stored[4]!].map((e) => e.cursor),
    );
    const incident = await page(s.url, token, { incidentId: 'inc_B' });
    expect(incident.events.map((e) => e.cursor)).toEqual([stored[2]!.cursor, stored[4]!.cursor]);
  });

  it('moves next past filtered-out events, so a filtered page never rescans them', async () => {
    const s = await server();
    const tenant = 'ten_skip';
    const stored = await s.publish([
      incidentCreated(tenant, 1),
      userCreated(tenant),
      userCreated(tenant),
      incidentCreated(tenant, 2),
      userCreated(tenant),
    ]);
    const token = await reader(s, tenant);
    const first = await page(s.url, token, { events: 'incident.created', limit: '1' });
    expect(first.events.map((e) => e.cursor)).toEqual([stored[0]!.cursor]);
    expect(first).toMatchObject({ next: stored[2]!.cursor, hasMore: true });
    const second = await page(s.url, token, {
      events: 'incident.created',
      limit: '1',
      after: first.next!,
    });
    expect(second.events.map((e) => e.cursor)).toEqual([stored[3]!.cursor]);
    expect(second).toMatchObject({ next: stored[4]!.cursor, hasMore: false });
  });

  it('returns a short (even empty) filtered page with hasMore: true when the scan budget ran out', async () => {
    const s = await server();
    const tenant = 'ten_budget';
    const stored = await s.publish([
      ...Array.from({ length: 1500 }, () => userCreated(tenant)),
      incidentCreated(tenant, 1),
    ]);
    const token = await reader(s, tenant);
    const first = await page(s.url, token, { events: 'incident.*' });
    expect(first).toEqual({ events: [], next: stored[999]!.cursor, hasMore: true, reset: false });
    const second = await page(s.url, token, { events: 'incident.*', after: first.next! });
    expect(second.events.map((e) => e.cursor)).toEqual([stored[1500]!.cursor]);
    expect(second.hasMore).toBe(false);
  });

  it('answers unknown event names and bad incident ids exactly as the stream does', async () => {
    const s = await server();
    const token = await reader(s, 'ten_bad');
    for (const query of ['events=incident.*,nope.created,bogus', 'incidentId=not-an-id']) {
      const rest = await getEvents(s.url, token, query);
      const stream = await fetch(`${s.url}/v1/notifications/stream?${query}`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      expect(rest.status).toBe(400);
      expect(stream.status).toBe(400);
      expect(rest.body).toEqual(await stream.json());
    }
    const rest = await getEvents(s.url, token, 'events=nope.created');
    expect(rest.body.error?.code).toBe('unknown_event');
  });
});

describe('GET /v1/events resets', () => {
  it('starts at the oldest retained event with reset: true for an unknown cursor', async () => {
    const s = await server();
    const tenant = 'ten_unknown';
    const stored = await s.publish([userCreated(tenant), userCreated(tenant)]);
    const token = await reader(s, tenant);
    for (const after of ['garbage', 'zz-1', 'e1-99999']) {
      const p = await page(s.url, token, { after });
      expect(p.events.map((e) => e.cursor)).toEqual(stored.map((e) => e.cursor));
      expect(p).toMatchObject({ next: stored[1]!.cursor, hasMore: false, reset: true });
    }
  });

  it('starts at the oldest retained event with reset: true for a trimmed cursor', async () => {
    const s = await server({ retention: 5 });
    const tenant = 'ten_trim';
    const stored = await s.publish(Array.from({ length: 9 }, (_, i) => incidentCreated(tenant, i)));
    const token = await reader(s, tenant);
    const p = await page(s.url, token, { after: stored[0]!.cursor, limit: '3' });
    expect(p.events.map((e) => e.cursor)).toEqual(stored.slice(4, 7).map((e) => e.cursor));
    expect(p).toMatchObject({ next: stored[6]!.cursor, hasMore: true, reset: true });
    // The page's next is a good cursor again.
    const rest = await page(s.url, token, { after: p.next!, limit: '3' });
    expect(rest.events.map((e) => e.cursor)).toEqual(stored.slice(7).map((e) => e.cursor));
    expect(rest.reset).toBe(false);
  });
});

describe('GET /v1/events tenants and tokens', () => {
  it('never shows another tenant’s events, whatever cursor is passed', async () => {
    const s = await server();
    const mine = await s.publish([incidentCreated('ten_mine', 1), incidentCreated('ten_mine', 2)]);
    const theirs = await s.publish(
      Array.from({ length: 5 }, (_, i) => incidentCreated('ten_theirs', i)),
    );
    await s.publish([incidentCreated('ten_mine', 3)]);
    const token = await reader(s, 'ten_mine');
    const all = await page(s.url, token);
    expect(all.events).toHaveLength(3);
    expect(all.events.every((e) => e.event.tenantId === 'ten_mine')).toBe(true);
    expect(all.events.slice(0, 2).map((e) => e.cursor)).toEqual(mine.map((e) => e.cursor));
    const theirIds = new Set(theirs.map((e) => e.event.id));
    for (const foreign of theirs) {
      const p = await page(s.url, token, { after: foreign.cursor });
      expect(p.events.some((e) => theirIds.has(e.event.id))).toBe(false);
      expect(p.events.every((e) => e.event.tenantId === 'ten_mine')).toBe(true);
    }
    // A tenantId in the query changes nothing: the tenant comes from the token only.
    const spoof = await page(s.url, token, { tenantId: 'ten_theirs' } as Record<string, string>);
    expect(spoof.events.every((e) => e.event.tenantId === 'ten_mine')).toBe(true);
  });

  it('answers 401 without a valid token, with the Bearer challenge', async () => {
    const s = await server();
    for (const token of [
      undefined,
      'not-a-jwt',
      await s.token({ scope: READ_SCOPE, expiresInSeconds: -10 }),
    ]) {
      const answer = await getEvents(s.url, token);
      expect(answer.status).toBe(401);
      expect(answer.body.error?.code).toBe('invalid_token');
      expect(answer.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    }
  });

  it('answers 403 insufficient_scope for a token without events:read', async () => {
    const s = await server();
    const answer = await getEvents(
      s.url,
      await s.token({ tenantId: 'ten_x', scope: 'events:publish' }),
    );
    expect(answer.status).toBe(403);
    expect(answer.body.error?.code).toBe('insufficient_scope');
  });

  it('answers 403 for a token without a tenant (a service token cannot read events)', async () => {
    const s = await server();
    const answer = await getEvents(
      s.url,
      await s.token({ tenantId: undefined, scope: READ_SCOPE }),
    );
    expect(answer.status).toBe(403);
  });

  it('does not accept a stream ticket (tickets are for EventSource only)', async () => {
    const s = await server();
    const token = await reader(s, 'ten_ticket');
    const res = await fetch(`${s.url}/v1/notifications/tickets`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}` },
    });
    const { ticket } = (await res.json()) as { ticket: string };
    const answer = await getEvents(s.url, undefined, { ticket });
    expect(answer.status).toBe(401);
  });

  it('answers 503 bus_unavailable with Retry-After when the event log cannot be read', async () => {
    const memory = createMemoryEventLog({ retention: 10 });
    cleanups.push(() => memory.close());
    const down: EventLog = {
      ...memory,
      append: (events) => memory.append(events),
      readAfter: () => Promise.reject(new BusUnavailableError('redis is down')),
      subscribe: (listener) => memory.subscribe(listener),
      compareCursors: (a, b) => memory.compareCursors(a, b),
      isReady: () => memory.isReady(),
      close: () => memory.close(),
    };
    const s = await server({ log: down });
    const answer = await getEvents(s.url, await reader(s, 'ten_down'));
    expect(answer.status).toBe(503);
    expect(answer.body.error?.code).toBe('bus_unavailable');
    expect(answer.headers.get('retry-after')).toBe('1');
  });
});
