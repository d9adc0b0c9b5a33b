/**
 * Stream tickets: random, single-use, short-lived stand-ins for a JWT, so a browser's native
 * `EventSource` (which cannot send headers) never puts the long-lived token in a URL.
 *
 * Tickets live in this process's memory. With several instances behind a load balancer a ticket
 * must be redeemed at the instance that issued it (sticky routing), or the store must move to Redis.
 */
import { randomBytes } from 'node:crypto';
import { StreamServerError } from './errors.js';

/** What a redeemed ticket stands for. */
export interface TicketGrant {
  readonly tenantId: string;
  readonly sub: string | undefined;
  /** Scopes of the token the ticket was issued for. */
  readonly scopes?: readonly string[];
  /** `exp` of the token the ticket was issued for, in seconds since the epoch. */
  readonly tokenExpiresAt: number;
}

/** An issued ticket and when it stops being accepted. */
export interface IssuedTicket {
  readonly ticket: string;
  readonly expiresAt: string;
}

/** In-memory ticket store with expiry. */
export interface TicketStore {
  issue(grant: TicketGrant): IssuedTicket;
  /** Returns the grant exactly once; `undefined` for unknown, used or expired tickets. */
  redeem(ticket: string): TicketGrant | undefined;
  /** Number of outstanding (not yet redeemed or swept) tickets. */
  size(): number;
  /** Stops the sweep timer. */
  close(): void;
}

/**
 * Creates a ticket store. Expired tickets are swept every `ttlMs`; at most `maxOutstanding`
 * tickets exist at once (beyond: 429), so memory stays bounded.
 * @example
 * const store = createTicketStore({ ttlMs: 30_000 });
 * const { ticket } = store.issue({ tenantId: 'ten_a', sub: 'u', tokenExpiresAt: exp });
 */
export function createTicketStore(options: {
  ttlMs: number;
  now?: () => number;
  maxOutstanding?: number;
}): TicketStore {
  const now = options.now ?? Date.now;
  const maxOutstanding = options.maxOutstanding ?? 100_000;
  const tickets = new Map<string, TicketGrant & { readonly expiresAtMs: number }>();

  function sweep(): void {
    const t = now();
    for (const [key, entry] of tickets) if (entry.expiresAtMs <= t) tickets.delete(key);
  }
  const timer = setInterval(sweep, Math.max(1000, options.ttlMs));
  timer.unref();

  return {
    issue(grant) {
      if (tickets.size >= maxOutstanding) sweep();
      if (tickets.size >= maxOutstanding) {
        throw new StreamServerError(
          429,
          'too_many_tickets',
          'too many outstanding tickets; retry shortly',
          {
            headers: { 'Retry-After': String(Math.ceil(options.ttlMs / 1000)) },
          },
        );
      }
      const ticket = randomBytes(32).toString('base64url');
      const expiresAtMs = Math.min(now() + options.ttlMs, grant.tokenExpiresAt * 1000);
      tickets.set(ticket, { ...grant, expiresAtMs });
      return { ticket, expiresAt: new Date(expiresAtMs).toISOString() };
    },
    redeem(ticket) {
      const entry = tickets.get(ticket);
      if (entry === undefined) return undefined;
      tickets.delete(ticket);
      if (entry.expiresAtMs <= now()) return undefined;
      const { expiresAtMs: _expiresAtMs, ...grant } = entry;
      return grant;
    },
    size: () => tickets.size,
    close: () => clearInterval(timer),
  };
}
