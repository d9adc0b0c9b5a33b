/**
 * The webhook endpoints API (`/v1/webhooks…`, scope `webhooks:manage`, tenant from the token
 * only). One middleware for the whole prefix, built by a factory from what it needs (an auth
 * function, the webhook sender, the body limit), so it can move into any route table unchanged.
 * Paths outside `/v1/webhooks` fall through to `next()`.
 */
import { parseDeliveriesQuery, WebhookError, type Webhooks } from '@causeflow/webhooks';
import type { Context, Middleware } from 'koa';
import { readBody } from '../body.js';
import { StreamServerError } from '../errors.js';

/** Scope needed for every `/v1/webhooks…` request. */
export const WEBHOOKS_SCOPE = 'webhooks:manage';

/** Authenticates a request for a scope and returns its tenant; throws 401/403 `StreamServerError`s. */
export type AuthenticateFn = (ctx: Context, scope: string) => Promise<{ tenantId: string }>;

const PREFIX = '/v1/webhooks';

type Handler = (ctx: Context, tenantId: string, id: string) => Promise<void>;

/** Reads a JSON body (415 unless `application/json`, 413 over the limit, 400 when not JSON). */
async function jsonBody(ctx: Context, limit: number, optional = false): Promise<unknown> {
  const length = ctx.get('Content-Length');
  if (optional && (length === '' || length === '0') && ctx.get('Transfer-Encoding') === '')
    return undefined;
  if (ctx.request.type.toLowerCase() !== 'application/json') {
    throw new StreamServerError(
      415,
      'unsupported_media_type',
      'Content-Type must be application/json',
    );
  }
  const raw = await readBody(ctx.req, limit);
  if (optional && raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (cause) {
    throw new StreamServerError(400, 'invalid_json', 'the body is not valid JSON', { cause });
  }
}

/** The route table: `[method, suffix]` → handler; suffix `''` is the collection, `/:id…` an endpoint. */
function handlers(webhooks: Webhooks, limit: number): Map<string, Handler> {
  return new Map<string, Handler>([
    [
      'POST ',
      async (ctx, tenantId) => {
        ctx.status = 201;
        ctx.body = await webhooks.create(tenantId, await jsonBody(ctx, limit));
      },
    ],
    [
      'GET ',
      async (ctx, tenantId) => {
        ctx.body = { webhooks: await webhooks.list(tenantId) };
      },
    ],
    [
      'GET /:id',
      async (ctx, tenantId, id) => {
        ctx.body = await webhooks.get(tenantId, id);
      },
    ],
    [
      'PATCH /:id',
      async (ctx, tenantId, id) => {
        ctx.body = await webhooks.update(tenantId, id, await jsonBody(ctx, limit));
      },
    ],
    [
      'DELETE /:id',
      async (ctx, tenantId, id) => {
        await webhooks.remove(tenantId, id);
        ctx.status = 204;
      },
    ],
    [
      'POST /:id/rotate-secret',
      async (ctx, tenantId, id) => {
        ctx.body = await webhooks.rotateSecret(tenantId, id);
      },
    ],
    [
      'GET /:id/deliveries',
      async (ctx, tenantId, id) => {
        ctx.body = await webhooks.deliveries(tenantId, id, parseDeliveriesQuery(ctx.query));
      },
    ],
    [
      'POST /:id/replay',
      async (ctx, tenantId, id) => {
        ctx.status = 202;
        ctx.body = await webhooks.replay(tenantId, id, await jsonBody(ctx, limit, true));
      },
    ],
  ]);
}

/** Splits a path under the prefix into a route key suffix and the endpoint id. */
function match(path: string): { suffix: string; id: string } | undefined {
  if (path === PREFIX || path === `${PREFIX}/`) return { suffix: '', id: '' };
  const m = /^\/v1\/webhooks\/([^/]+)(\/rotate-secret|\/deliveries|\/replay)?\/?$/.exec(path);
  if (m === null) return undefined;
  return { suffix: `/:id${m[2] ?? ''}`, id: decodeURIComponent(m[1]!) };
}

/**
 * The `/v1/webhooks…` routes. Unknown paths under the prefix → 404, a known path with another
 * method → 405 with `Allow`. `WebhookError`s become the server's JSON errors.
 * @example
 * app.use(webhookRoutes({ authenticate, webhooks, maxBodyBytes: 64 * 1024 }));
 */
export function webhookRoutes(options: {
  authenticate: AuthenticateFn;
  webhooks: Webhooks;
  maxBodyBytes: number;
}): Middleware {
  const table = handlers(options.webhooks, options.maxBodyBytes);
  return async function webhooksApi(ctx, next) {
    if (ctx.path !== PREFIX && !ctx.path.startsWith(`${PREFIX}/`)) return next();
    const route = match(ctx.path);
    if (route === undefined)
      throw new StreamServerError(404, 'not_found', `no route for ${ctx.path}`);
    const handler = table.get(`${ctx.method} ${route.suffix}`);
    if (handler === undefined) {
      const allow = [...table.keys()]
        .filter((k) => k.endsWith(` ${route.suffix}`))
        .map((k) => k.split(' ')[0]);
      throw new StreamServerError(
        405,
        'method_not_allowed',
        `${ctx.method} is not allowed on ${ctx.path}`,
        {
          headers: { Allow: allow.join(', ') },
        },
      );
    }
    const { tenantId } = await options.authenticate(ctx, WEBHOOKS_SCOPE);
    try {
      await handler(ctx, tenantId, route.id);
    } catch (error) {
      if (error instanceof WebhookError) {
        throw new StreamServerError(error.status, error.code, error.message, {
          ...(error.details === undefined ? {} : { details: error.details }),
          cause: error,
        });
      }
      throw error;
    }
  };
}
