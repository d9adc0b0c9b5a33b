/**
 * Minting HS256 tokens for dev mode and tests. Production tokens come from your identity provider.
 */
import { SignJWT } from 'jose';

/** Claims of a minted token. `tenantId` omitted: a service token. */
export interface TokenClaims {
  readonly tenantId?: string;
  /** Space-separated scopes, e.g. `events:publish`. */
  readonly scope?: string;
  readonly sub?: string;
  /** Lifetime; negative gives an already expired token. Default 3600. */
  readonly expiresInSeconds?: number;
}

/**
 * Signs an HS256 JWT with `exp` (and `iss`/`aud` when given).
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
  const payload: Record<string, unknown> = {};
  if (claims.tenantId !== undefined) payload.tenantId = claims.tenantId;
  if (claims.scope !== undefined) payload.scope = claims.scope;
  let jwt = new SignJWT(payload)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(nowSeconds)
    .setExpirationTime(nowSeconds + (claims.expiresInSeconds ?? 3600));
  if (claims.sub !== undefined) jwt = jwt.setSubject(claims.sub);
  if (options.issuer !== undefined) jwt = jwt.setIssuer(options.issuer);
  if (options.audience !== undefined) jwt = jwt.setAudience(options.audience);
  return jwt.sign(new TextEncoder().encode(options.secret));
}
