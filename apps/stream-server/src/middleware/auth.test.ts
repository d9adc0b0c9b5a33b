import Koa from 'koa';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Principal, TokenVerifier } from '../auth.js';
import { unauthorized } from '../errors.js';
import type { TicketStore } from '../tickets.js';
import { type AuthPrincipal, type RequireAuthOptions, requireAuth } from './auth.js';
import { errorHandler } from './errors.js';

const principals: Record<string, Principal> = {
  reader: {
    sub: 'u1',
    tenantId: 'ten_a',
    tenantClaim: 'valid',
    scopes: new Set(['events:read']),
    expiresAt: 2_000_000_000,
  },
  service: {
    sub: 'svc',
    tenantId: null,
    tenantClaim: 'absent',
    scopes: new Set(['events:publish']),
    expiresAt: 2_000_000_000,
  },
  badTenant: {
    sub: 'u2',
    tenantId: null,
    tenantClaim: 'invalid',
    scopes: new Set(['events:read', 'events:publish']),
    expiresAt: 2_000_000_000,
  },
};

async function verify(token: string): Promise<Principal> {
  const principal = principals[token];
  if (principal === undefined) throw unauthorized('invalid token');
  return principal;
}
const verifier: TokenVerifier = { verify, authenticate: (_ctx, token) => verify(token) };
const tickets = { redeem: () => undefined } as unknown as TicketStore;

/** Runs one request through `requireAuth(options)`; returns status, headers, body and the principal. */
async function call(token: string | undefined, options: RequireAuthOptions) {
  const app = new Koa();
  let seen: AuthPrincipal | undefined;
  app.use(errorHandler({ logger: pino({ level: 'silent' }) }));
  app.use(
    requireAuth({ verifier, tickets }, options as RequireAuthOptions & { tenant: 'optional' }),
  );
  app.use(async (ctx) => {
    seen = ctx.state.principal;
    ctx.body = { ok: true };
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const { port } = server.address() as { port: number };
    const res = await fetch(`http://127.0.0.1:${port}/`, {
      headers: token === undefined ? {} : { Authorization: `Bearer ${token}` },
    });
    const body = (await res.json()) as { error?: { code: string } };
    return { status: res.status, headers: res.headers, code: body.error?.code, principal: seen };
  } finally {
    server.close();
  }
}

describe('requireAuth', () => {
  it('puts the verified principal on ctx.state with its tenant, subject and scopes', async () => {
    const r = await call('reader', { scope: 'events:read' });
    expect(r.status).toBe(200);
    expect(r.principal).toMatchObject({ tenantId: 'ten_a', sub: 'u1' });
    expect([...(r.principal?.scopes ?? [])]).toEqual(['events:read']);
  });

  it('answers 401 invalid_token with the Bearer challenge when the token is missing or bad', async () => {
    for (const token of [undefined, 'nonsense']) {
      const r = await call(token, {});
      expect(r.status).toBe(401);
      expect(r.code).toBe('invalid_token');
      expect(r.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    }
  });

  it('answers 403 insufficient_scope naming the scope when the token lacks it', async () => {
    const r = await call('reader', { scope: 'webhooks:manage' });
    expect(r.status).toBe(403);
    expect(r.code).toBe('insufficient_scope');
    expect(r.headers.get('www-authenticate')).toBe(
      'Bearer error="insufficient_scope", scope="webhooks:manage"',
    );
  });

  it('requires a tenant by default and accepts a service token only where the tenant is optional', async () => {
    expect((await call('service', {})).code).toBe('tenant_required');
    const r = await call('service', { tenant: 'optional' });
    expect(r.status).toBe(200);
    expect(r.principal?.tenantId).toBeNull();
  });

  it('refuses an invalid tenantId claim with 403 invalid_tenant, tenant required or not', async () => {
    expect((await call('badTenant', {})).code).toBe('invalid_tenant');
    expect((await call('badTenant', { tenant: 'optional' })).code).toBe('invalid_tenant');
  });
});
