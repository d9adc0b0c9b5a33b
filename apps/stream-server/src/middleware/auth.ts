/**
 * `requireAuth`: the one authentication middleware of every authenticated route. It verifies the
 * bearer token (or, where allowed, redeems a stream ticket), checks the scope and the tenant claim,
 * and puts the caller on `ctx.state.principal`. Errors are the contract's JSON: 401 `invalid_token`
 * with `WWW-Authenticate: Bearer error="invalid_token"`, 403 `insufficient_scope`,
 * 403 `invalid_tenant` / `tenant_required`.
 */
import type { Context, Middleware } from 'koa';
import { bearerToken, type Principal, requireTenant } from '../auth.js';
import { insufficientScope, invalidTenant, unauthorized } from '../errors.js';
import type { Services } from '../services.js';

/** The caller, as proven by a verified token or a redeemed ticket. */
export interface AuthPrincipal {
  /** `null` only for a service token (no `tenantId` claim) on a route with `tenant: 'optional'`. */
  readonly tenantId: string | null;
  readonly sub: string | undefined;
  readonly scopes: ReadonlySet<string>;
  /** `exp` of the token, in seconds since the epoch. */
  readonly expiresAt: number;
}

/** A principal that acts for exactly one tenant (the default of `requireAuth`). */
export interface TenantPrincipal extends AuthPrincipal {
  readonly tenantId: string;
}

/** What `requireAuth` puts on `ctx.state`. */
export interface AuthState<P extends AuthPrincipal = TenantPrincipal> {
  principal: P;
}

/** Options of `requireAuth`. */
export interface RequireAuthOptions {
  /** A scope the token must carry (403 `insufficient_scope` otherwise). */
  readonly scope?: string;
  /**
   * `required` (default): the token must carry a valid `tenantId` (403 otherwise).
   * `optional`: a token without `tenantId` is a service token (`tenantId: null`); an invalid
   * `tenantId` is still a 403 `invalid_tenant`.
   */
  readonly tenant?: 'required' | 'optional';
  /** Accept a single-use `?ticket=` when no `Authorization` header is sent (the stream only). */
  readonly ticket?: boolean;
}

function ticketParam(ctx: Context): string | undefined {
  const value = ctx.query.ticket;
  return Array.isArray(value) ? value.join(',') : value;
}

function tenantOf(principal: Principal, options: RequireAuthOptions): string | null {
  if (options.tenant !== 'optional') return requireTenant(principal);
  if (principal.tenantClaim === 'invalid') throw invalidTenant();
  return principal.tenantId;
}

function fromPrincipal(principal: Principal, options: RequireAuthOptions): AuthPrincipal {
  if (options.scope !== undefined && !principal.scopes.has(options.scope)) {
    throw insufficientScope(options.scope);
  }
  const tenantId = tenantOf(principal, options);
  return { tenantId, sub: principal.sub, scopes: principal.scopes, expiresAt: principal.expiresAt };
}

/**
 * Authenticates the request and sets `ctx.state.principal`.
 * @example
 * { method: 'GET', path: '/v1/webhooks', handler: [requireAuth(services, { scope: 'webhooks:manage' }), list] }
 * // in `list`: const { tenantId } = ctx.state.principal;  // string
 */
export function requireAuth(
  services: Pick<Services, 'verifier' | 'tickets'>,
  options?: RequireAuthOptions & { readonly tenant?: 'required' },
): Middleware<AuthState<TenantPrincipal>>;
export function requireAuth(
  services: Pick<Services, 'verifier' | 'tickets'>,
  options: RequireAuthOptions & { readonly tenant: 'optional' },
): Middleware<AuthState<AuthPrincipal>>;
export function requireAuth(
  services: Pick<Services, 'verifier' | 'tickets'>,
  options: RequireAuthOptions = {},
): Middleware<AuthState<AuthPrincipal>> {
  return async function requireAuth(ctx, next) {
    const authorization = ctx.get('Authorization');
    const ticket = options.ticket === true ? ticketParam(ctx) : undefined;
    if (authorization === '' && ticket !== undefined) {
      const grant = await services.tickets.redeem(ticket);
      if (grant === undefined) throw unauthorized('unknown, used or expired ticket');
      // A ticket stands for the tenant token it was issued for: the same checks apply.
      const principal: Principal = {
        tenantId: grant.tenantId,
        tenantClaim: 'valid',
        sub: grant.sub,
        scopes: new Set(grant.scopes),
        expiresAt: grant.tokenExpiresAt,
      };
      ctx.state.principal = fromPrincipal(principal, options);
      return next();
    }
    const token = bearerToken(authorization || undefined);
    const principal = await services.verifier.authenticate(ctx as unknown as Context, token);
    ctx.state.principal = fromPrincipal(principal, options);
    return next();
  };
}
