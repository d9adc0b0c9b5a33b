/**
 * CORS with `@koa/cors`, for an allow-list of origins: preflights answered, an allowed `Origin`
 * echoed in `Access-Control-Allow-Origin`, no credentials mode (tokens travel in `Authorization`),
 * and `Retry-After` exposed so a browser client can honour it on a 429 or 503.
 */
import koaCors from '@koa/cors';
import type { Middleware } from 'koa';

/** Request headers a browser may send cross-origin. */
export const CORS_ALLOWED_HEADERS = 'Authorization, Content-Type, Last-Event-ID';

/** Methods a browser may use cross-origin (the webhooks API updates with PATCH, removes with DELETE). */
export const CORS_ALLOWED_METHODS = 'GET, POST, PATCH, DELETE, OPTIONS';

/** Response headers a browser script may read cross-origin (besides the CORS-safelisted ones). */
export const CORS_EXPOSED_HEADERS = 'Retry-After';

/**
 * CORS for `origins`; with an empty list it does nothing at all (no `Vary`, no headers).
 * @example
 * app.use(cors({ origins: ['https://app.example.com'] }));
 */
export function cors(options: { origins: readonly string[] }): Middleware {
  const allowed = new Set(options.origins);
  if (allowed.size === 0) {
    return async function noCors(_ctx, next) {
      return next();
    };
  }
  return koaCors({
    origin: (ctx) => {
      const origin = ctx.get('Origin');
      return allowed.has(origin) ? origin : '';
    },
    allowMethods: CORS_ALLOWED_METHODS,
    allowHeaders: CORS_ALLOWED_HEADERS,
    exposeHeaders: CORS_EXPOSED_HEADERS,
    maxAge: 600,
    // The error middleware above keeps headers set before the error: nothing to copy onto it.
    keepHeadersOnError: false,
  });
}
