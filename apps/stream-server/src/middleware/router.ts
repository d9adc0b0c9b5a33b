import type { Middleware } from 'koa';
import { StreamServerError } from '../errors.js';

/** One route: exact path, method, handler. */
export interface Route {
  readonly method: 'GET' | 'HEAD' | 'POST';
  readonly path: string;
  readonly handler: Middleware;
}

/**
 * A small exact-path router: runs the handler of the matching route, answers 405 (with `Allow`)
 * for a known path with another method and 404 for anything else. `HEAD` only where registered
 * (never on the stream: a HEAD request must not hold a stream open).
 * @example
 * app.use(router([{ method: 'GET', path: '/healthz', handler: healthz() }]));
 */
export function router(routes: readonly Route[]): Middleware {
  const byPath = new Map<string, Map<string, Middleware>>();
  for (const route of routes) {
    const methods = byPath.get(route.path) ?? new Map<string, Middleware>();
    methods.set(route.method, route.handler);
    byPath.set(route.path, methods);
  }
  return async function router(ctx, next) {
    const methods = byPath.get(ctx.path);
    if (methods === undefined) {
      throw new StreamServerError(404, 'not_found', `no route for ${ctx.path}`);
    }
    const handler = methods.get(ctx.method);
    if (handler === undefined) {
      const allow = [...methods.keys()].join(', ');
      throw new StreamServerError(
        405,
        'method_not_allowed',
        `${ctx.method} is not allowed on ${ctx.path}`,
        {
          headers: { Allow: allow },
        },
      );
    }
    return handler(ctx, next);
  };
}
