/**
 * Bearer-token verification with jose. Only the configured algorithm family is accepted, `exp`
 * is required, `iss`/`aud` are enforced when configured. The tenant comes only from `tenantId`.
 */
import { createPublicKey } from 'node:crypto';
import { ID_PATTERNS } from '@causeflow/events';
import {
  createRemoteJWKSet,
  importSPKI,
  type JWTPayload,
  errors as joseErrors,
  jwtVerify,
} from 'jose';
import type { AuthConfig, JwtAlgorithm } from './config.js';
import { StreamServerError, unauthorized } from './errors.js';

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

/** Verifies one bearer token; throws a 401 `StreamServerError` when it is not acceptable. */
export interface TokenVerifier {
  verify(token: string): Promise<Principal>;
}

/** Scope needed to publish through `POST /v1/events`. */
export const PUBLISH_SCOPE = 'events:publish';

/**
 * Creates a verifier for the configured key, imported once (a JWKS is fetched and cached by jose).
 * @example
 * const verifier = createTokenVerifier({ auth: { kind: 'secret', secret }, issuer: undefined, audience: undefined });
 * const principal = await verifier.verify(token);
 */
export function createTokenVerifier(options: {
  auth: AuthConfig;
  issuer: string | undefined;
  audience: string | undefined;
}): TokenVerifier {
  const { auth } = options;
  let algorithms: JwtAlgorithm[];
  // The key is imported once, here, as a CryptoKey: given a raw secret (or a KeyObject) jose
  // imports it again on every verify, which costs about half of the verification's CPU time.
  let key: Promise<CryptoKey> | ReturnType<typeof createRemoteJWKSet>;
  if (auth.kind === 'secret') {
    algorithms = ['HS256'];
    key = crypto.subtle.importKey(
      'raw',
      new TextEncoder().encode(auth.secret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['verify'],
    );
  } else if (auth.kind === 'publicKey') {
    algorithms = [auth.algorithm];
    // Any PEM node accepts (PKCS#1, SPKI, certificate), as SPKI for jose.
    const spki = createPublicKey(auth.pem).export({ type: 'spki', format: 'pem' }).toString();
    key = importSPKI(spki, auth.algorithm);
  } else {
    algorithms = ['RS256', 'ES256'];
    key = createRemoteJWKSet(new URL(auth.url));
  }
  // A failed import surfaces on each verify (as a 500); never as an unhandled rejection.
  if (key instanceof Promise) key.catch(() => {});
  const verifyOptions = {
    algorithms,
    requiredClaims: ['exp'],
    ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
    ...(options.audience === undefined ? {} : { audience: options.audience }),
  };
  return {
    async verify(token) {
      let payload: JWTPayload;
      // Outside the try: a key that could not be imported is the server's fault (500), not a 401.
      const imported = typeof key === 'function' ? undefined : await key;
      try {
        ({ payload } =
          imported === undefined
            ? await jwtVerify(token, key as ReturnType<typeof createRemoteJWKSet>, verifyOptions)
            : await jwtVerify(token, imported, verifyOptions));
      } catch (error) {
        throw toAuthError(error);
      }
      return toPrincipal(payload);
    },
  };
}

function toAuthError(error: unknown): StreamServerError {
  if (error instanceof joseErrors.JWTExpired) return unauthorized('token expired', error);
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    return unauthorized(`token claim "${error.claim}" is missing or not accepted`, error);
  }
  if (error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JWKSInvalid) {
    return new StreamServerError(503, 'auth_unavailable', 'the key set could not be loaded', {
      cause: error,
    });
  }
  if (error instanceof joseErrors.JOSEError) return unauthorized('invalid token', error);
  if (error instanceof TypeError && error.message.includes('fetch')) {
    return new StreamServerError(503, 'auth_unavailable', 'the key set could not be loaded', {
      cause: error,
    });
  }
  return unauthorized('invalid token', error);
}

function toPrincipal(payload: JWTPayload): Principal {
  const claim = payload.tenantId;
  let tenantClaim: Principal['tenantClaim'] = 'absent';
  if (claim !== undefined) {
    tenantClaim = typeof claim === 'string' && TENANT_ID_PATTERN.test(claim) ? 'valid' : 'invalid';
  }
  const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [];
  return {
    sub: typeof payload.sub === 'string' ? payload.sub : undefined,
    tenantId: tenantClaim === 'valid' ? (claim as string) : null,
    tenantClaim,
    scopes: new Set(scopes),
    // requiredClaims guarantees exp; jose has checked it is a number in the future.
    expiresAt: payload.exp as number,
  };
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
  if (principal.tenantClaim === 'invalid') {
    throw new StreamServerError(
      403,
      'invalid_tenant',
      "the token's tenantId claim is not a valid tenant id",
    );
  }
  throw new StreamServerError(403, 'tenant_required', 'the token has no tenantId claim');
}
