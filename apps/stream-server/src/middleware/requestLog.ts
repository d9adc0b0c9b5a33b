import type { Middleware } from 'koa';
import type { Logger } from 'pino';

/**
 * Logs one line per request at debug level: method, path (never the query string, which may
 * hold a ticket), status and duration. Never logs headers, so never a token.
 * @example
 * app.use(requestLog({ logger }));
 */
export function requestLog(options: { logger: Logger; now: () => number }): Middleware {
  const { logger, now } = options;
  return async function requestLog(ctx, next) {
    const start = now();
    try {
      await next();
    } finally {
      logger.debug(
        {
          method: ctx.method,
          path: ctx.path,
          status: ctx.respond === false ? 200 : ctx.status,
          ms: now() - start,
        },
        'request',
      );
    }
  };
}
