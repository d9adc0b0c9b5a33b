/**
 * The route table: every route of the app, registered here and only here. Authenticated routes
 * put `requireAuth` in front of their handler, so what a route needs reads off this table.
 */
import { PUBLISH_SCOPE, READ_SCOPE } from '../auth.js';
import { requireAuth } from '../middleware/auth.js';
import type { Route } from '../middleware/router.js';
import type { Services } from '../services.js';
import { eventsRoute } from './events.js';
import { ingestRoute } from './ingest.js';
import { healthz, metricsRoute, readyz } from './ops.js';
import { refuseWhileDraining, streamRoute } from './stream.js';
import { ticketsRoute } from './tickets.js';

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
