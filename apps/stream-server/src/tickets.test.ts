import { afterEach, describe, expect, it } from 'vitest';
import { StreamServerError } from './errors.js';
import { createTicketStore, type TicketStore } from './tickets.js';

const stores: TicketStore[] = [];
function store(options: Parameters<typeof createTicketStore>[0]): TicketStore {
  const s = createTicketStore(options);
  stores.push(s);
  return s;
}
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

const farFuture = Math.floor(Date.UTC(2100, 0, 1) / 1000);

describe('createTicketStore', () => {
  it('redeems a ticket exactly once', () => {
    const s = store({ ttlMs: 30_000 });
    const { ticket } = s.issue({ tenantId: 'ten_a', sub: 'u1', tokenExpiresAt: farFuture });
    expect(s.redeem(ticket)).toEqual({ tenantId: 'ten_a', sub: 'u1', tokenExpiresAt: farFuture });
    expect(s.redeem(ticket)).toBeUndefined();
  });

  it('issues unguessable, distinct tickets of 256 random bits', () => {
    const s = store({ ttlMs: 30_000 });
    const a = s.issue({ tenantId: 'ten_a', sub: undefined, tokenExpiresAt: farFuture }).ticket;
    const b = s.issue({ tenantId: 'ten_a', sub: undefined, tokenExpiresAt: farFuture }).ticket;
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('refuses a ticket after its lifetime', () => {
    let t = 1_000_000;
    const s = store({ ttlMs: 30_000, now: () => t });
    const issued = s.issue({ tenantId: 'ten_a', sub: undefined, tokenExpiresAt: farFuture });
    expect(issued.expiresAt).toBe(new Date(1_030_000).toISOString());
    t += 30_000;
    expect(s.redeem(issued.ticket)).toBeUndefined();
  });

  it('never outlives the token it was issued for', () => {
    const t = 1_000_000;
    const s = store({ ttlMs: 30_000, now: () => t });
    const issued = s.issue({ tenantId: 'ten_a', sub: undefined, tokenExpiresAt: 1010 });
    expect(issued.expiresAt).toBe(new Date(1_010_000).toISOString());
  });

  it('refuses unknown tickets', () => {
    expect(store({ ttlMs: 30_000 }).redeem('nope')).toBeUndefined();
  });

  it('bounds the number of outstanding tickets with a 429', () => {
    const s = store({ ttlMs: 30_000, maxOutstanding: 2 });
    const grant = { tenantId: 'ten_a', sub: undefined, tokenExpiresAt: farFuture };
    s.issue(grant);
    s.issue(grant);
    expect(() => s.issue(grant)).toThrow(StreamServerError);
    expect(s.size()).toBe(2);
  });

  it('makes room again once expired tickets are swept', () => {
    let t = 0;
    const s = store({ ttlMs: 1000, maxOutstanding: 1, now: () => t });
    s.issue({ tenantId: 'ten_a', sub: undefined, tokenExpiresAt: farFuture });
    t = 5000;
    expect(() =>
      s.issue({ tenantId: 'ten_a', sub: undefined, tokenExpiresAt: farFuture }),
    ).not.toThrow();
    expect(s.size()).toBe(1);
  });
});
