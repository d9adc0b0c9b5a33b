import type { Middleware } from 'koa';
import { bearerToken, requireTenant } from '../auth.js';
import type { Services } from '../services.js';

/**
 * `POST /v1/notifications/tickets`: exchanges a tenant token for a single-use, short-lived
 * ticket for `GET /v1/notifications/stream?ticket=…` (browser `EventSource`).
 * @example
 * { method: 'POST', path: '/v1/notifications/tickets', handler: ticketsRoute(services) }
 */
export function ticketsRoute(services: Services): Middleware {
  return async function tickets(ctx) {
    const principal = await services.verifier.verify(
      bearerToken(ctx.get('Authorization') || undefined),
    );
    const tenantId = requireTenant(principal);
    const issued = services.tickets.issue({
      tenantId,
      sub: principal.sub,
      tokenExpiresAt: principal.expiresAt,
    });
    ctx.set('Cache-Control', 'no-store');
    ctx.body = issued;
  };
}
