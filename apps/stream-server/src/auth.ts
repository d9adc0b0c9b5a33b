/**
 * Bearer-token verification with koa-jwt (jsonwebtoken underneath), the one JWT library of the
 * server. Only the configured algorithm family is accepted, `exp` is required, `iss`/`aud` are
 * enforced when configured, a `crit` header is refused (no extension is understood). The tenant
 * comes only from `tenantId`. Keys are `KeyObject`s made once: given a string, jsonwebtoken tries
 * to parse it as a public key on every call (~500 µs per check against ~11 µs). A JWKS is read
 * through jwks-rsa's `koaJwtSecret` (cached, rate-limited), each key turned into a `KeyObject` once.
 */
import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { ID_PATTERNS } from '@causeflow/events';
import jsonwebtoken from 'jsonwebtoken';
import jwksRsa from 'jwks-rsa';
import type { Context } from 'koa';
import koaJwt from 'koa-jwt';
import type { AuthConfig, JwtAlgorithm } from './config.js';
import { invalidTenant, StreamServerError, unauthorized } from './errors.js';

/** The pattern of `TenantId` in schemas/defs.json. */
export const TENANT_ID_PATTERN = ID_PATTERNS.TenantId;

/** Who is calling, as proven by a verified token. */
export interface Principal {
  readonly sub: string | undefined;
  /** The tenant of the token; `null` when the claim is absent or invalid (see `tenantClaim`). */
  readonly tenantId: string | null;
  /** `absent`: a service token; `invalid`: a `tenantId` that is not a valid tenant id (never a service token). */
  readonly tenantClaim: 'valid' | 'absent' | 'invalid';
  readonly scopes: ReadonlySet<string>;
  /** `exp`, in seconds since the epoch. */
  readonly expiresAt: number;
}

/** Verifies bearer tokens; throws a 401 `StreamServerError` when one is not acceptable. */
export interface TokenVerifier {
  /** Runs koa-jwt on the request's context for `token` (read from its `Authorization` header). */
  authenticate(ctx: Context, token: string): Promise<Principal>;
  /** The same check outside a request (tools, tests). */
  verify(token: string): Promise<Principal>;
}

/** Scope needed to publish through `POST /v1/events`. */
export const PUBLISH_SCOPE = 'events:publish';

/** Scope needed to receive events: streams, tickets and REST catch-up. */
export const READ_SCOPE = 'events:read';

/** Where koa-jwt finds the token and leaves the decoded token on `ctx.state` (both removed after). */
const TOKEN_KEY = 'bearerToken';
const DECODED_KEY = 'jwtDecoded';

type KeySource = KeyObject | ((header: { alg?: string; kid?: string }) => Promise<KeyObject>);

/** A jwks-rsa provider whose PEM keys become `KeyObject`s once (bounded: a key set is small). */
function jwksKeys(url: string): KeySource {
  const provider = jwksRsa.koaJwtSecret({
    jwksUri: url,
    cache: true,
    cacheMaxEntries: 16,
    cacheMaxAge: 10 * 60_000,
    rateLimit: true,
    jwksRequestsPerMinute: 10,
    timeout: 5000,
  });
  const keys = new Map<string, KeyObject>();
  return async (header) => {
    const pem = await provider(header as Parameters<typeof provider>[0]);
    let key = keys.get(pem);
    if (key === undefined) {
      if (keys.size >= 64) keys.clear();
      key = createPublicKey(pem);
      keys.set(pem, key);
    }
    return key;
  };
}

function keySource(auth: AuthConfig): { algorithms: JwtAlgorithm[]; key: KeySource } {
  if (auth.kind === 'secret') {
    return { algorithms: ['HS256'], key: createSecretKey(Buffer.from(auth.secret, 'utf8')) };
  }
  if (auth.kind === 'publicKey') {
    return { algorithms: [auth.algorithm], key: createPublicKey(auth.pem) };
  }
  return { algorithms: ['RS256', 'ES256'], key: jwksKeys(auth.url) };
}

const CLAIM_ERRORS: readonly [RegExp, string][] = [
  [/^jwt issuer invalid/, 'iss'],
  [/^jwt audience invalid/, 'aud'],
  [/^invalid exp value/, 'exp'],
  [/^invalid nbf value/, 'nbf'],
];

function toAuthError(thrown: unknown): StreamServerError {
  if (thrown instanceof StreamServerError) return thrown;
  const error = (thrown as { originalError?: unknown } | null)?.originalError ?? thrown;
  if (error instanceof jsonwebtoken.TokenExpiredError) return unauthorized('token expired', error);
  if (error instanceof jsonwebtoken.NotBeforeError) {
    return unauthorized('token not valid yet (nbf)', error);
  }
  const message = (error as Error | null)?.message ?? '';
  for (const [pattern, claim] of CLAIM_ERRORS) {
    if (pattern.test(message)) {
      return unauthorized(`token claim "${claim}" is missing or not accepted`, error);
    }
  }
  if (error instanceof jwksRsa.SigningKeyNotFoundError) {
    return unauthorized('no key of the key set matches the token', error);
  }
  if (
    error instanceof jwksRsa.JwksError ||
    error instanceof jwksRsa.JwksRateLimitError ||
    (error as { isEndpointUnavailable?: unknown } | null)?.isEndpointUnavailable === true
  ) {
    return new StreamServerError(503, 'auth_unavailable', 'the key set could not be loaded', {
      headers: { 'Retry-After': '5' },
      cause: error,
    });
  }
  return unauthorized('invalid token', error);
}

function toPrincipal(decoded: unknown): Principal {
  const { header, payload } = (decoded ?? {}) as { header?: unknown; payload?: unknown };
  if ((header as { crit?: unknown } | undefined)?.crit !== undefined) {
    throw unauthorized('token header "crit" names an extension this server does not understand');
  }
  const claims = (typeof payload === 'object' && payload !== null ? payload : {}) as Record<
    string,
    unknown
  >;
  // jsonwebtoken checks exp only when present: here it is required.
  if (typeof claims.exp !== 'number') throw unauthorized('token claim "exp" is missing');
  const claim = claims.tenantId;
  let tenantClaim: Principal['tenantClaim'] = 'absent';
  if (claim !== undefined) {
    tenantClaim = typeof claim === 'string' && TENANT_ID_PATTERN.test(claim) ? 'valid' : 'invalid';
  }
  const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : [];
  return {
    sub: typeof claims.sub === 'string' ? claims.sub : undefined,
    tenantId: tenantClaim === 'valid' ? (claim as string) : null,
    tenantClaim,
    scopes: new Set(scopes),
    expiresAt: claims.exp,
  };
}

/** The context koa-jwt needs, for checks made outside a request. */
function bareContext(): Context {
  return {
    state: {},
    throw(status: number, message: string, props: object) {
      throw Object.assign(new Error(message), { status }, props);
    },
  } as unknown as Context;
}

/**
 * Creates the verifier for the configured key: koa-jwt with the algorithm allow-list of the key
 * family, `iss`/`aud` when configured, and the key as a `KeyObject` (or a cached JWKS provider).
 * @example
 * const verifier = createTokenVerifier({ auth: { kind: 'secret', secret }, issuer: undefined, audience: undefined });
 * const principal = await verifier.verify(token);
 */
export function createTokenVerifier(options: {
  auth: AuthConfig;
  issuer: string | undefined;
  audience: string | undefined;
}): TokenVerifier {
  const { algorithms, key } = keySource(options.auth);
  const jwt = koaJwt({
    secret: key as unknown as koaJwt.Secret,
    algorithms,
    key: DECODED_KEY,
    getToken: (ctx) => ctx.state[TOKEN_KEY] as string,
    ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
    ...(options.audience === undefined ? {} : { audience: options.audience }),
    // Passed through to jsonwebtoken: the header too, for the `crit` check.
    complete: true,
  } as koaJwt.Options);
  async function authenticate(ctx: Context, token: string): Promise<Principal> {
    ctx.state[TOKEN_KEY] = token;
    try {
      await jwt(ctx, async () => {});
      return toPrincipal(ctx.state[DECODED_KEY]);
    } catch (error) {
      throw toAuthError(error);
    } finally {
      delete ctx.state[TOKEN_KEY];
      delete ctx.state[DECODED_KEY];
    }
  }
  return { authenticate, verify: (token) => authenticate(bareContext(), token) };
}

/**
 * Extracts the token from `Authorization: Bearer <token>`; throws 401 when absent or malformed.
 * @example
 * bearerToken('Bearer abc'); // 'abc'
 */
export function bearerToken(header: string | undefined): string {
  if (header === undefined || header === '') throw unauthorized('missing bearer token');
  const match = /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(header);
  if (match?.[1] === undefined)
    throw unauthorized('malformed Authorization header; expected "Bearer <token>"');
  return match[1];
}

/**
 * Returns the principal's tenant, or throws 403 (a valid token without a usable tenant).
 * @example
 * const tenantId = requireTenant(principal);
 */
export function requireTenant(principal: Principal): string {
  if (principal.tenantId !== null) return principal.tenantId;
  if (principal.tenantClaim === 'invalid') throw invalidTenant();
  throw new StreamServerError(403, 'tenant_required', 'the token has no tenantId claim');
}
