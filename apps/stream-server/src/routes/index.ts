/**
 * The route table: every route of the app, registered here and only here. Authenticated routes
 * put `requireAuth` in front of their handler, so what a route needs reads off this table.
 */

import type { Context, Middleware } from 'koa';
import { PUBLISH_SCOPE, READ_SCOPE } from '../auth.js';
import type { AuthState } from '../middleware/auth.js';
import { requireAuth } from '../middleware/auth.js';
import type { Route } from '../middleware/router.js';
import type { Services } from '../services.js';
import { eventsRoute } from './events.js';
import { ingestRoute } from './ingest.js';
import { healthz, metricsRoute, readyz } from './ops.js';
import { refuseWhileDraining, streamRoute } from './stream.js';
import { ticketsRoute } from './tickets.js';
import { type AuthenticateFn, WEBHOOKS_SCOPE, webhookRoutes } from './webhooks.js';

/** Path of the SSE stream (served without Koa's per-request bookkeeping, see `streamHandler.ts`). */
export const STREAM_PATH = '/v1/notifications/stream';

/**
 * Builds the app's routes from its services. New routes (REST catch-up, webhooks) join this list.
 * @example
 * app.use(router(buildRoutes(services)));
 */
export function buildRoutes(services: Services): Route[] {
  return [
    {
      method: 'GET',
      path: STREAM_PATH,
      handler: [
        refuseWhileDraining(services),
        requireAuth(services, { scope: READ_SCOPE, ticket: true }),
        streamRoute(services),
      ],
    },
    {
      method: 'POST',
      path: '/v1/events',
      handler: [
        requireAuth(services, { scope: PUBLISH_SCOPE, tenant: 'optional' }),
        ingestRoute(services),
      ],
    },
    {
      method: 'GET',
      path: '/v1/events',
      handler: [requireAuth(services, { scope: READ_SCOPE }), eventsRoute(services)],
    },
    {
      method: 'POST',
      path: '/v1/notifications/tickets',
      handler: [requireAuth(services, { scope: READ_SCOPE }), ticketsRoute(services)],
    },
    { method: 'GET', path: '/healthz', handler: healthz() },
    { method: 'HEAD', path: '/healthz', handler: healthz() },
    { method: 'GET', path: '/readyz', handler: readyz(services) },
    { method: 'HEAD', path: '/readyz', handler: readyz(services) },
    { method: 'GET', path: '/metrics', handler: metricsRoute(services) },
  ];
}

/** Largest JSON body of a webhooks API request. */
const WEBHOOKS_MAX_BODY_BYTES = 64 * 1024;

/** `requireAuth` (koa-jwt) as the webhooks API's `authenticate`: the tenant from the token. */
function authenticateWith(services: Services): AuthenticateFn {
  const check = requireAuth(services, { scope: WEBHOOKS_SCOPE });
  return async function authenticate(ctx: Context) {
    await check(ctx as Parameters<typeof check>[0], async () => {});
    return { tenantId: (ctx.state as AuthState).principal.tenantId };
  };
}

/**
 * Routes that own a whole path prefix and dispatch below it themselves: the webhook endpoints
 * API (`/v1/webhooks`, `/v1/webhooks/{id}`, `…/rotate-secret`, `…/deliveries`, `…/replay`).
 * Mounted before the exact-path router; anything outside their prefix falls through.
 */
export function prefixRoutes(services: Services): Middleware[] {
  return [
    webhookRoutes({
      authenticate: authenticateWith(services),
      webhooks: services.webhooks,
      maxBodyBytes: WEBHOOKS_MAX_BODY_BYTES,
    }),
  ];
}
