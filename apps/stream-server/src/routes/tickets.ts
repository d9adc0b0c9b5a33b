import type { Middleware } from 'koa';
import type { AuthState } from '../middleware/auth.js';
import type { Services } from '../services.js';

/**
 * `POST /v1/notifications/tickets` (after `requireAuth`): exchanges a tenant token for a
 * single-use, short-lived ticket for `GET /v1/notifications/stream?ticket=…` (browser `EventSource`).
 * @example
 * { method: 'POST', path: '/v1/notifications/tickets', handler: [requireAuth(services), ticketsRoute(services)] }
 */
export function ticketsRoute(services: Pick<Services, 'tickets'>): Middleware<AuthState> {
  return async function tickets(ctx) {
    const { principal } = ctx.state;
    const issued = await services.tickets.issue({
      tenantId: principal.tenantId,
      sub: principal.sub,
      scopes: [...principal.scopes],
      tokenExpiresAt: principal.expiresAt,
    });
    ctx.set('Cache-Control', 'no-store');
    ctx.body = issued;
  };
}
