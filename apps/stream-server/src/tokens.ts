/**
 * Minting HS256 tokens for dev mode, the `causeflow-token` CLI and tests, with jsonwebtoken (the
 * library koa-jwt verifies with). Production tokens come from your identity provider.
 */
import { createSecretKey } from 'node:crypto';
import jsonwebtoken from 'jsonwebtoken';

/** Claims of a minted token. `tenantId` omitted: a service token. */
export interface TokenClaims {
  readonly tenantId?: string;
  /** Space-separated scopes, e.g. `events:read` or `events:publish`. */
  readonly scope?: string;
  readonly sub?: string;
  /** Lifetime; negative gives an already expired token. Default 3600. */
  readonly expiresInSeconds?: number;
}

/**
 * Signs an HS256 JWT with `iat`, `exp` (and `iss`/`aud` when given).
 * @example
 * const token = await signToken({ secret, claims: { tenantId: 'ten_demo', scope: 'events:publish' } });
 */
export async function signToken(options: {
  secret: string;
  claims: TokenClaims;
  issuer?: string | undefined;
  audience?: string | undefined;
  now?: () => number;
}): Promise<string> {
  const { claims } = options;
  const nowSeconds = Math.floor((options.now ?? Date.now)() / 1000);
  const payload: Record<string, unknown> = {
    iat: nowSeconds,
    exp: nowSeconds + (claims.expiresInSeconds ?? 3600),
  };
  if (claims.tenantId !== undefined) payload.tenantId = claims.tenantId;
  if (claims.scope !== undefined) payload.scope = claims.scope;
  if (claims.sub !== undefined) payload.sub = claims.sub;
  if (options.issuer !== undefined) payload.iss = options.issuer;
  if (options.audience !== undefined) payload.aud = options.audience;
  return jsonwebtoken.sign(payload, createSecretKey(Buffer.from(options.secret, 'utf8')), {
    algorithm: 'HS256',
  });
}
