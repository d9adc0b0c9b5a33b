import type { Middleware } from 'koa';
import compose from 'koa-compose';
import { StreamServerError } from '../errors.js';

/** HTTP methods a route can be registered for. */
export type RouteMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * One route: exact path, method, handler. A list of handlers runs in order (e.g.
 * `[requireAuth(services, { scope }), handler]`).
 */
export interface Route {
  readonly method: RouteMethod;
  readonly path: string;
  // biome-ignore lint/suspicious/noExplicitAny: each route chooses its own ctx.state type
  readonly handler: Middleware<any> | readonly Middleware<any>[];
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
    const { handler } = route;
    methods.set(
      route.method,
      Array.isArray(handler) ? compose([...handler]) : (handler as Middleware),
    );
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
