import type { Middleware } from 'koa';

/** Request headers a browser may send cross-origin. */
export const CORS_ALLOWED_HEADERS = 'Authorization, Content-Type, Last-Event-ID';

/**
 * CORS for an allow-list of origins: answers preflights and echoes an allowed `Origin` in
 * `Access-Control-Allow-Origin`. No credentials (tokens travel in `Authorization`), nothing exposed.
 * With an empty list it does nothing at all.
 * @example
 * app.use(cors({ origins: ['https://app.example.com'] }));
 */
export function cors(options: { origins: readonly string[] }): Middleware {
  const allowed = new Set(options.origins);
  return async function cors(ctx, next) {
    if (allowed.size === 0) return next();
    ctx.vary('Origin');
    const origin = ctx.get('Origin');
    if (origin === '' || !allowed.has(origin)) return next();
    ctx.set('Access-Control-Allow-Origin', origin);
    if (ctx.method === 'OPTIONS' && ctx.get('Access-Control-Request-Method') !== '') {
      ctx.set('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
      ctx.set('Access-Control-Allow-Headers', CORS_ALLOWED_HEADERS);
      ctx.set('Access-Control-Max-Age', '600');
      ctx.status = 204;
      return;
    }
    return next();
  };
}
