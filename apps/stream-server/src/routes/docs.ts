import { stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { send } from '@koa/send';
import type { Middleware } from 'koa';
import { StreamServerError } from '../errors.js';

/** Where the docs site is mounted. */
export const DOCS_PREFIX = '/docs';

/** The message of the 404 under `/docs/` while the site has not been built. */
export const DOCS_NOT_BUILT = 'docs not built: run pnpm --filter @causeflow/docs build';

async function isBuilt(dir: string): Promise<boolean> {
  try {
    return (await stat(join(dir, 'index.html'))).isFile();
  } catch {
    return false;
  }
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

/**
 * Serves the built docs site (VitePress, base `/docs/`) from `dir` with `@koa/send`: `/docs`
 * redirects to `/docs/`, paths stay inside `dir` (no traversal, no dot files), content types come
 * from the file extension, hashed `assets/` are cached for a year. Anything missing is a JSON 404;
 * before the site is built (or with `dir` undefined) the 404 says how to build it. Other paths
 * pass through.
 * @example
 * app.use(docs({ dir: config.docsDir }));
 */
export function docs(options: { dir: string | undefined }): Middleware {
  const dir = options.dir === undefined ? undefined : resolve(options.dir);
  const assets = dir === undefined ? '' : join(dir, 'assets') + sep;
  return async function docs(ctx, next) {
    const { path } = ctx;
    if (path !== DOCS_PREFIX && !path.startsWith(`${DOCS_PREFIX}/`)) return next();
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      throw new StreamServerError(
        405,
        'method_not_allowed',
        `${ctx.method} is not allowed on ${path}`,
        {
          headers: { Allow: 'GET, HEAD' },
        },
      );
    }
    if (path === DOCS_PREFIX) {
      ctx.status = 301;
      ctx.redirect(`${DOCS_PREFIX}/${ctx.querystring === '' ? '' : `?${ctx.querystring}`}`);
      return;
    }
    if (dir === undefined || !(await isBuilt(dir))) {
      throw new StreamServerError(404, 'docs_not_built', DOCS_NOT_BUILT);
    }
    const file = path.slice(DOCS_PREFIX.length);
    let sent: string | undefined;
    try {
      sent = await send(ctx, file, {
        root: dir,
        index: 'index.html',
        extensions: ['html'],
        hidden: false,
        gzip: false,
        brotli: false,
        setHeaders(res, filePath) {
          res.setHeader('X-Content-Type-Options', 'nosniff');
          if (filePath.startsWith(assets)) {
            res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
          } else {
            res.setHeader('Cache-Control', 'no-cache');
          }
        },
      });
    } catch (error) {
      const status = statusOf(error);
      // 400 (undecodable or absolute path), 403 (outside the root), 404: all just "not found".
      if (status === undefined || status >= 500) throw error;
      sent = undefined;
    }
    if (sent === undefined)
      throw new StreamServerError(404, 'not_found', `no docs page at ${path}`);
  };
}
