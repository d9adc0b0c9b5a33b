/**
 * The docs route: the built VitePress site under `/docs/`, and in dev mode the token endpoint its
 * pages use to publish examples and fill in the live page.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { send } from '@koa/send';
import type { Context, Middleware } from 'koa';
import { StreamServerError } from '../errors.js';
import { signToken } from '../tokens.js';

/** Where the docs site is mounted. */
export const DOCS_PREFIX = '/docs';

/** The message of the 404 under `/docs/` while the site has not been built. */
export const DOCS_NOT_BUILT = 'docs not built: run pnpm --filter @causeflow/docs build';

/** The dev-mode token endpoint the docs pages call ("send example", the live page). */
export const DEV_TOKENS_PATH = `${DOCS_PREFIX}/_dev/tokens`;

/** Dev-mode tokens for the docs pages: tenant `ten_demo`, short-lived. */
export interface DevTokens {
  readonly tenantId: string;
  readonly tenantToken: string;
  readonly publisherToken: string;
  readonly expiresAt: string;
}

/** What signs dev tokens: the server's ephemeral dev-mode HS256 key. */
export interface DevTokenKey {
  readonly secret: string;
  readonly issuer?: string | undefined;
  readonly audience?: string | undefined;
}

const DEV_TENANT = 'ten_demo';
const DEV_TOKEN_SECONDS = 3600;

/**
 * Signs a tenant token (`events:read`) and a publisher token (`events:publish`) for `ten_demo`,
 * valid one hour.
 */
export async function issueDevTokens(key: DevTokenKey, now = Date.now()): Promise<DevTokens> {
  const sign = (sub: string, scope: string) =>
    signToken({
      secret: key.secret,
      issuer: key.issuer,
      audience: key.audience,
      now: () => now,
      claims: { tenantId: DEV_TENANT, sub, scope, expiresInSeconds: DEV_TOKEN_SECONDS },
    });
  return {
    tenantId: DEV_TENANT,
    tenantToken: await sign('user_docs', 'events:read'),
    publisherToken: await sign('svc_docs_publisher', 'events:publish'),
    expiresAt: new Date(Math.floor(now / 1000) * 1000 + DEV_TOKEN_SECONDS * 1000).toISOString(),
  };
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * Whether a dev-token request may be answered: from this machine (loopback peer) and not from
 * another site's page (`Sec-Fetch-Site: cross-site`). CORS already keeps other origins from
 * reading the answer; this keeps the tokens on the developer's machine even when the server
 * listens on every interface.
 */
function devTokenAllowed(ctx: Context): boolean {
  const peer = ctx.req.socket.remoteAddress ?? '';
  return LOOPBACK.has(peer) && ctx.get('Sec-Fetch-Site') !== 'cross-site';
}

async function isBuilt(dir: string): Promise<boolean> {
  try {
    return (await stat(join(dir, 'index.html'))).isFile();
  } catch {
    return false;
  }
}

function decode(path: string): string | undefined {
  try {
    const decoded = decodeURIComponent(path);
    return decoded.includes('\0') ? undefined : decoded;
  } catch {
    return undefined;
  }
}

/** Whether `file` is `root` or inside it (both real paths). */
function inside(root: string, file: string): boolean {
  const rel = relative(root, file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/**
 * The real file a docs URL path names, or `undefined`: the path itself, `index.html` of a folder,
 * or the path plus `.html` (VitePress's extensionless URLs, including names with dots such as
 * `events/incident.created`). Symlinks are followed only while they stay inside the site: the
 * real path must be under the site's real path. Dot files are never served.
 */
async function resolveFile(root: string, urlPath: string): Promise<string | undefined> {
  const decoded = decode(urlPath);
  if (decoded === undefined) return undefined;
  if (decoded.split('/').some((part) => part.startsWith('.') && part !== '')) return undefined;
  const base = resolve(root, `.${decoded}`);
  if (base !== root && !base.startsWith(root + sep)) return undefined;
  const candidates = decoded.endsWith('/')
    ? [join(base, 'index.html')]
    : [base, join(base, 'index.html'), `${base}.html`];
  for (const candidate of candidates) {
    try {
      const real = await realpath(candidate);
      if (!inside(root, real)) continue;
      if ((await stat(real)).isFile()) return real;
    } catch {
      // missing: try the next candidate
    }
  }
  return undefined;
}

/** Answers a missing page: the site's own 404 page to browsers, the JSON error to everyone else. */
async function notFound(ctx: Context, root: string): Promise<void> {
  if (ctx.accepts('json', 'html') === 'html') {
    try {
      const page = await readFile(join(root, '404.html'));
      ctx.status = 404;
      ctx.type = 'html';
      ctx.set('Cache-Control', 'no-cache');
      ctx.body = page;
      return;
    } catch {
      // no 404 page: fall through to JSON
    }
  }
  throw new StreamServerError(404, 'not_found', `no docs page at ${ctx.path}`);
}

/**
 * Serves the built docs site (VitePress, base `/docs/`) from `dir` with `@koa/send`: `/docs`
 * redirects to `/docs/`; extensionless page URLs work; paths and symlinks stay inside `dir`; no dot
 * files; content types from the extension; hashed `assets/` cached for a year. A missing page is
 * the site's HTML 404 for browsers and a JSON 404 otherwise; before the site is built the 404 says
 * how to build it. With `devTokens` (dev mode only), `GET /docs/_dev/tokens` hands the docs pages
 * short-lived `ten_demo` tokens, to requests from this machine. Other paths pass through.
 * @example
 * app.use(docs({ dir: config.docsDir }));
 */
export function docs(options: { dir: string | undefined; devTokens?: DevTokenKey }): Middleware {
  const dir = options.dir === undefined ? undefined : resolve(options.dir);
  let realRoot: string | undefined;
  return async function docs(ctx, next) {
    const { path } = ctx;
    if (path !== DOCS_PREFIX && !path.startsWith(`${DOCS_PREFIX}/`)) return next();
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      throw new StreamServerError(
        405,
        'method_not_allowed',
        `${ctx.method} is not allowed on ${path}`,
        { headers: { Allow: 'GET, HEAD' } },
      );
    }
    if (path === DOCS_PREFIX) {
      ctx.status = 301;
      ctx.redirect(`${DOCS_PREFIX}/${ctx.querystring === '' ? '' : `?${ctx.querystring}`}`);
      return;
    }
    if (path === DEV_TOKENS_PATH && options.devTokens && devTokenAllowed(ctx)) {
      ctx.set('Cache-Control', 'no-store');
      ctx.body = await issueDevTokens(options.devTokens);
      return;
    }
    if (dir === undefined || !(await isBuilt(dir))) {
      throw new StreamServerError(404, 'docs_not_built', DOCS_NOT_BUILT);
    }
    realRoot ??= await realpath(dir);
    const file = await resolveFile(realRoot, path.slice(DOCS_PREFIX.length));
    if (file === undefined) return notFound(ctx, realRoot);
    await sendFile(ctx, realRoot, file);
  };
}

/**
 * Sends one resolved file with `@koa/send` (types, caching headers), then swaps the file stream
 * for the file's bytes: a client that closes its connection right after a complete response
 * otherwise makes Koa's stream pipeline report `ERR_STREAM_PREMATURE_CLOSE` as an app error.
 * The site's files are small (the largest is the search index), so reading them is cheap.
 */
async function sendFile(ctx: Context, root: string, file: string): Promise<void> {
  const assets = join(root, 'assets') + sep;
  await send(ctx, relative(root, file), {
    root,
    hidden: false,
    gzip: false,
    brotli: false,
    setHeaders(res, filePath) {
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader(
        'Cache-Control',
        filePath.startsWith(assets) ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
  if (ctx.body instanceof Readable) {
    ctx.body.destroy();
    ctx.body = await readFile(file);
  }
}
