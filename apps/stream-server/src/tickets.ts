/**
 * Stream tickets: random, single-use, short-lived stand-ins for a JWT, so a browser's native
 * `EventSource` (which cannot send headers) never puts the long-lived token in a URL.
 *
 * Two stores with one contract: in memory (one instance) and in Redis (`ticketsRedis.ts`, every
 * instance of a `BUS=redis` deployment, so a ticket issued by A opens a stream on B). Both bound
 * outstanding tickets per tenant and in total (429 `too_many_tickets`), with no O(n) work per
 * request.
 */
import { randomBytes } from 'node:crypto';
import { StreamServerError } from './errors.js';

/** What a redeemed ticket stands for. */
export interface TicketGrant {
  readonly tenantId: string;
  readonly sub: string | undefined;
  /** Scopes of the token the ticket was issued for. */
  readonly scopes: readonly string[];
  /** `exp` of the token the ticket was issued for, in seconds since the epoch. */
  readonly tokenExpiresAt: number;
}

/** An issued ticket and when it stops being accepted. */
export interface IssuedTicket {
  readonly ticket: string;
  readonly expiresAt: string;
}

/** A ticket store (memory or Redis). */
export interface TicketStore {
  /** Issues a ticket; 429 `too_many_tickets` when the tenant's quota or the global bound is reached. */
  issue(grant: TicketGrant): Promise<IssuedTicket>;
  /** Returns the grant exactly once; `undefined` for unknown, used or expired tickets. */
  redeem(ticket: string): Promise<TicketGrant | undefined>;
  /** Outstanding (not redeemed, not yet expired) tickets, in total or of one tenant. */
  size(tenantId?: string): Promise<number>;
  /** Releases timers and connections the store owns. */
  close(): Promise<void>;
}

/** Bounds and lifetime shared by both stores. */
export interface TicketLimits {
  readonly ttlMs: number;
  /** Outstanding tickets one tenant may hold. */
  readonly maxPerTenant: number;
  /** Outstanding tickets in total. */
  readonly maxOutstanding: number;
}

/** A ticket: 256 random bits, base64url. */
export function newTicket(): string {
  return randomBytes(32).toString('base64url');
}

/** Tickets are base64url of 32 bytes; anything else is refused without a lookup. */
export const TICKET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * The 429 for a full store: which bound was hit, and when to retry.
 * @example
 * throw tooManyTickets('tenant', 30_000);
 */
export function tooManyTickets(
  bound: 'tenant' | 'global',
  retryAfterMs: number,
): StreamServerError {
  const message =
    bound === 'tenant'
      ? 'the tenant has too many outstanding tickets; redeem or let them expire, then retry'
      : 'too many outstanding tickets on this server; retry shortly';
  return new StreamServerError(429, 'too_many_tickets', message, {
    headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
  });
}

interface Entry extends TicketGrant {
  readonly expiresAtMs: number;
  /** When the TTL alone ends it; entries sit in issue order, so this never decreases along the map. */
  readonly sweepAtMs: number;
}

/**
 * Creates the in-memory store. Tickets sit in a Map in issue order: expired ones are dropped from
 * its head on each call (amortised O(1)), and per-tenant counts are kept beside it.
 * @example
 * const store = createMemoryTicketStore({ ttlMs: 30_000, maxPerTenant: 1000, maxOutstanding: 100_000 });
 * const { ticket } = await store.issue({ tenantId: 'ten_a', sub: 'u', scopes: ['events:read'], tokenExpiresAt: exp });
 */
export function createMemoryTicketStore(
  options: TicketLimits & { now?: () => number },
): TicketStore {
  const now = options.now ?? Date.now;
  const tickets = new Map<string, Entry>();
  const perTenant = new Map<string, number>();

  function forget(ticket: string, entry: Entry): void {
    tickets.delete(ticket);
    const count = (perTenant.get(entry.tenantId) ?? 1) - 1;
    if (count <= 0) perTenant.delete(entry.tenantId);
    else perTenant.set(entry.tenantId, count);
  }
  function sweep(): void {
    const t = now();
    for (const [ticket, entry] of tickets) {
      if (entry.sweepAtMs > t) break;
      forget(ticket, entry);
    }
  }
  const timer = setInterval(sweep, Math.max(1000, options.ttlMs));
  timer.unref();

  return {
    async issue(grant) {
      sweep();
      const oldest = tickets.values().next().value as Entry | undefined;
      const retryAfterMs = oldest === undefined ? options.ttlMs : oldest.sweepAtMs - now();
      if ((perTenant.get(grant.tenantId) ?? 0) >= options.maxPerTenant) {
        throw tooManyTickets('tenant', options.ttlMs);
      }
      if (tickets.size >= options.maxOutstanding) throw tooManyTickets('global', retryAfterMs);
      const ticket = newTicket();
      const t = now();
      const expiresAtMs = Math.min(t + options.ttlMs, grant.tokenExpiresAt * 1000);
      tickets.set(ticket, {
        ...grant,
        scopes: [...grant.scopes],
        expiresAtMs,
        sweepAtMs: t + options.ttlMs,
      });
      perTenant.set(grant.tenantId, (perTenant.get(grant.tenantId) ?? 0) + 1);
      return { ticket, expiresAt: new Date(expiresAtMs).toISOString() };
    },
    async redeem(ticket) {
      sweep();
      const entry = tickets.get(ticket);
      if (entry === undefined) return undefined;
      forget(ticket, entry);
      if (entry.expiresAtMs <= now()) return undefined;
      const { expiresAtMs: _expiresAtMs, sweepAtMs: _sweepAtMs, ...grant } = entry;
      return grant;
    },
    async size(tenantId) {
      sweep();
      return tenantId === undefined ? tickets.size : (perTenant.get(tenantId) ?? 0);
    },
    async close() {
      clearInterval(timer);
    },
  };
}
