import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import { StreamServerError } from '../errors.js';

/** The JSON body of every error response. */
export interface ErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly details?: readonly unknown[];
    /** Counts of what `details` leaves out when it was capped. */
    readonly omitted?: Readonly<Record<string, number>>;
  };
}

function toServerError(error: unknown): StreamServerError {
  if (error instanceof StreamServerError) return error;
  const status = (error as { status?: unknown } | null)?.status;
  const expose = (error as { expose?: unknown } | null)?.expose;
  if (typeof status === 'number' && status >= 400 && status < 500 && expose === true) {
    return new StreamServerError(status, 'bad_request', (error as Error).message, { cause: error });
  }
  return new StreamServerError(500, 'internal_error', 'internal server error', { cause: error });
}

/**
 * The one error middleware, mounted first: turns anything thrown below it into
 * `{"error":{"code","message","details?"}}` with the right status and headers; logs 5xx.
 * @example
 * app.use(errorHandler({ logger }));
 */
export function errorHandler(options: { logger: Logger }): Middleware {
  const { logger } = options;
  return async function errorHandler(ctx, next) {
    try {
      await next();
    } catch (thrown) {
      const error = toServerError(thrown);
      if (error.status >= 500) {
        logger.error({ err: thrown, method: ctx.method, path: ctx.path }, error.message);
      }
      if (ctx.headerSent || !ctx.writable) return;
      ctx.set(error.headers);
      ctx.status = error.status;
      const body: ErrorBody = {
        error: {
          code: error.code,
          message: error.message,
          ...(error.details === undefined ? {} : { details: error.details }),
          ...(error.omitted === undefined ? {} : { omitted: error.omitted }),
        },
      };
      ctx.body = body;
    }
  };
}
