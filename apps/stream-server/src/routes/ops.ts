import type { Middleware } from 'koa';
import type { Services } from '../services.js';

/**
 * `GET /healthz`: 200 while the process is up.
 * @example
 * { method: 'GET', path: '/healthz', handler: healthz() }
 */
export function healthz(): Middleware {
  return async function healthz(ctx) {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  };
}

/**
 * `GET /readyz`: 200 when the event log is ready and the server is not draining, else 503.
 * @example
 * { method: 'GET', path: '/readyz', handler: readyz(services) }
 */
export function readyz(services: Pick<Services, 'log' | 'isDraining' | 'logger'>): Middleware {
  return async function readyz(ctx) {
    ctx.set('Cache-Control', 'no-store');
    if (services.isDraining()) {
      ctx.status = 503;
      ctx.body = { status: 'draining' };
      return;
    }
    let ready = false;
    try {
      ready = await services.log.isReady();
    } catch (error) {
      services.logger.warn({ err: error }, 'event log readiness check failed');
    }
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ready' : 'unavailable' };
  };
}

/**
 * `GET /metrics`: the app's Prometheus registry in text exposition format.
 * @example
 * { method: 'GET', path: '/metrics', handler: metricsRoute(services) }
 */
export function metricsRoute(services: Pick<Services, 'metrics'>): Middleware {
  const { registry } = services.metrics;
  return async function metrics(ctx) {
    ctx.set('Content-Type', registry.contentType);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await registry.metrics();
  };
}
