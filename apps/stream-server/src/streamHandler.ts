/**
 * The node request handler of the app. Every request runs Koa's middleware; `GET` on the stream
 * path runs it without Koa's per-request `on-finished` listener, which would keep the request's
 * context (and its listeners, ~3 KiB) alive for as long as the stream stays open. Once the stream
 * route has taken the response over, an open stream holds only its response. Pinned by
 * `test/streamMemory.test.ts` (the context of an open stream is garbage-collected).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Koa from 'koa';
import type { Context } from 'koa';
import compose from 'koa-compose';
import { STREAM_PATH } from './routes/index.js';

function isStreamUrl(url: string | undefined): boolean {
  return url === STREAM_PATH || url?.startsWith(`${STREAM_PATH}?`) === true;
}

/**
 * Sends what the middleware left in `ctx` when a stream request did not become a stream (an
 * error, as JSON from the error middleware), as Koa's own `respond` would for such a body.
 */
function respondWithoutStream(ctx: Context): void {
  if (ctx.respond === false) return;
  const { res } = ctx;
  if (res.headersSent || !ctx.writable) {
    if (!res.writableEnded) res.end();
    return;
  }
  const { body } = ctx;
  if (body === null || body === undefined) {
    res.end();
    return;
  }
  const bytes = Buffer.isBuffer(body)
    ? body
    : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  ctx.length = bytes.length;
  res.end(bytes);
}

/**
 * Koa's request handler for `app`, except for stream requests (see the module comment).
 * @example
 * const server = http.createServer(requestHandler(app));
 */
export function requestHandler(app: Koa): (req: IncomingMessage, res: ServerResponse) => void {
  const handle = app.callback();
  const run = compose(app.middleware);
  return function handleRequest(req, res) {
    if (req.method !== 'GET' || !isStreamUrl(req.url)) {
      void handle(req, res);
      return;
    }
    const ctx = app.createContext(req, res);
    res.statusCode = 404;
    run(ctx).then(
      () => respondWithoutStream(ctx),
      (error: unknown) => ctx.onerror(error as Error),
    );
  };
}
