import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportPKCS8, exportSPKI, generateKeyPair, importPKCS8, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearerToken, createTokenVerifier, requireTenant } from './auth.js';
import { StreamServerError } from './errors.js';

async function rejection(promise: Promise<unknown>): Promise<StreamServerError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(StreamServerError);
    return error as StreamServerError;
  }
  throw new Error('expected a rejection');
}

describe('createTokenVerifier with a PEM public key', () => {
  it('accepts RS256 tokens signed by the matching private key', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const verifier = createTokenVerifier({
      auth: { kind: 'publicKey', pem: await exportSPKI(publicKey), algorithm: 'RS256' },
      issuer: undefined,
      audience: undefined,
    });
    const token = await new SignJWT({ tenantId: 'ten_rsa', scope: 'events:publish events:read' })
      .setProtectedHeader({ alg: 'RS256' })
      .setSubject('svc_1')
      .setExpirationTime('5m')
      .sign(privateKey);
    const principal = await verifier.verify(token);
    expect(principal).toMatchObject({ tenantId: 'ten_rsa', tenantClaim: 'valid', sub: 'svc_1' });
    expect([...principal.scopes]).toEqual(['events:publish', 'events:read']);
  });

  it('refuses an HS256 token keyed with the public key text (algorithm confusion)', async () => {
    const { publicKey } = await generateKeyPair('RS256');
    const pem = await exportSPKI(publicKey);
    const verifier = createTokenVerifier({
      auth: { kind: 'publicKey', pem, algorithm: 'RS256' },
      issuer: undefined,
      audience: undefined,
    });
    const forged = await new SignJWT({ tenantId: 'ten_rsa' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(pem));
    expect((await rejection(verifier.verify(forged))).status).toBe(401);
  });

  it('accepts ES256 tokens for a P-256 key and refuses RS256 ones', async () => {
    const ec = await generateKeyPair('ES256');
    const rsa = await generateKeyPair('RS256');
    const verifier = createTokenVerifier({
      auth: { kind: 'publicKey', pem: await exportSPKI(ec.publicKey), algorithm: 'ES256' },
      issuer: undefined,
      audience: undefined,
    });
    const good = await new SignJWT({ tenantId: 'ten_ec' })
      .setProtectedHeader({ alg: 'ES256' })
      .setExpirationTime('5m')
      .sign(ec.privateKey);
    expect((await verifier.verify(good)).tenantId).toBe('ten_ec');
    const other = await new SignJWT({ tenantId: 'ten_ec' })
      .setProtectedHeader({ alg: 'RS256' })
      .setExpirationTime('5m')
      .sign(rsa.privateKey);
    expect((await rejection(verifier.verify(other))).code).toBe('invalid_token');
  });
});

describe('createTokenVerifier with a JWKS URL', () => {
  let server: Server;
  let url: string;
  let keys: Awaited<ReturnType<typeof generateKeyPair>>;
  beforeAll(async () => {
    keys = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    server = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('verifies tokens against the key set, selected by kid', async () => {
    const verifier = createTokenVerifier({
      auth: { kind: 'jwks', url },
      issuer: 'https://idp',
      audience: 'cf',
    });
    const token = await new SignJWT({ tenantId: 'ten_jwks' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer('https://idp')
      .setAudience('cf')
      .setExpirationTime('5m')
      .sign(keys.privateKey);
    expect((await verifier.verify(token)).tenantId).toBe('ten_jwks');
  });

  it('answers 503 auth_unavailable when the key set cannot be fetched', async () => {
    const verifier = createTokenVerifier({
      auth: { kind: 'jwks', url: 'http://127.0.0.1:1/jwks.json' },
      issuer: undefined,
      audience: undefined,
    });
    const token = await new SignJWT({ tenantId: 'ten_jwks' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setExpirationTime('5m')
      .sign(keys.privateKey);
    const error = await rejection(verifier.verify(token));
    expect(error).toMatchObject({ status: 503, code: 'auth_unavailable' });
  });
});

describe('bearerToken', () => {
  it('extracts the token, case-insensitively on the scheme', () => {
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerToken('bearer abc')).toBe('abc');
  });

  it('refuses missing, empty or non-Bearer headers with 401 invalid_token', () => {
    for (const header of [undefined, '', 'Bearer', 'Bearer ', 'Basic abc', 'Bearer a b']) {
      expect(() => bearerToken(header)).toThrow(
        expect.objectContaining({ status: 401, code: 'invalid_token' }),
      );
    }
  });
});

describe('requireTenant', () => {
  const base = { sub: undefined, scopes: new Set<string>(), expiresAt: 0 };
  it('returns the tenant of a token that has one', () => {
    expect(requireTenant({ ...base, tenantId: 'ten_a', tenantClaim: 'valid' })).toBe('ten_a');
  });
  it('refuses tokens without a usable tenant with 403', () => {
    expect(() => requireTenant({ ...base, tenantId: null, tenantClaim: 'absent' })).toThrow(
      expect.objectContaining({ status: 403, code: 'tenant_required' }),
    );
    expect(() => requireTenant({ ...base, tenantId: null, tenantClaim: 'invalid' })).toThrow(
      expect.objectContaining({ status: 403, code: 'invalid_tenant' }),
    );
  });
});

describe('the algorithm allow-list', () => {
  const claims = { tenantId: 'ten_alg' };
  /** Which of `algs` the verifier accepts for tokens signed by `sign(alg)`. */
  async function accepted(
    verifier: ReturnType<typeof createTokenVerifier>,
    algs: readonly string[],
    sign: (alg: string) => Promise<string>,
  ): Promise<string[]> {
    const ok: string[] = [];
    for (const alg of algs) {
      try {
        await verifier.verify(await sign(alg));
        ok.push(alg);
      } catch (error) {
        expect(error).toMatchObject({ status: 401, code: 'invalid_token' });
      }
    }
    return ok;
  }
  const jwt = (alg: string, key: Parameters<SignJWT['sign']>[0], kid?: string) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg, ...(kid === undefined ? {} : { kid }) })
      .setExpirationTime('5m')
      .sign(key);
  const unsigned = () => {
    const part = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
    return `${part({ alg: 'none' })}.${part({ ...claims, exp: Math.floor(Date.now() / 1000) + 300 })}.`;
  };
  const none = (verifier: ReturnType<typeof createTokenVerifier>) =>
    expect(verifier.verify(unsigned())).rejects.toMatchObject({ status: 401 });

  it('accepts only HS256 for a shared secret', async () => {
    const secret = 'allow-list-secret-that-is-long-enough-0123';
    const verifier = createTokenVerifier({
      auth: { kind: 'secret', secret },
      issuer: undefined,
      audience: undefined,
    });
    const key = new TextEncoder().encode(secret);
    expect(await accepted(verifier, ['HS256', 'HS384', 'HS512'], (alg) => jwt(alg, key))).toEqual([
      'HS256',
    ]);
    await none(verifier);
  });

  it('accepts only RS256 for an RSA public key, not RS384/RS512/PS256 by the same key nor HMAC keyed with it', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    const pem = await exportSPKI(publicKey);
    const verifier = createTokenVerifier({
      auth: { kind: 'publicKey', pem, algorithm: 'RS256' },
      issuer: undefined,
      audience: undefined,
    });
    const rsa = await accepted(verifier, ['RS256', 'RS384', 'RS512', 'PS256'], async (alg) =>
      jwt(alg, await importPKCS8(await exportPKCS8(privateKey), alg)),
    );
    expect(rsa).toEqual(['RS256']);
    const hmac = await accepted(verifier, ['HS256', 'HS512'], (alg) =>
      jwt(alg, new TextEncoder().encode(pem)),
    );
    expect(hmac).toEqual([]);
    await none(verifier);
  });

  it('accepts only ES256 for a P-256 public key', async () => {
    const ec = await generateKeyPair('ES256');
    const pem = await exportSPKI(ec.publicKey);
    const verifier = createTokenVerifier({
      auth: { kind: 'publicKey', pem, algorithm: 'ES256' },
      issuer: undefined,
      audience: undefined,
    });
    expect(await accepted(verifier, ['ES256'], (alg) => jwt(alg, ec.privateKey))).toEqual([
      'ES256',
    ]);
    const hmac = await accepted(verifier, ['HS256'], (alg) =>
      jwt(alg, new TextEncoder().encode(pem)),
    );
    expect(hmac).toEqual([]);
    await none(verifier);
  });

  it('accepts RS256 and ES256 from a JWKS, and nothing else signed by the same keys', async () => {
    const rsa = await generateKeyPair('RS256', { extractable: true });
    const ec = await generateKeyPair('ES256');
    const jwks = {
      keys: [
        { ...(await exportJWK(rsa.publicKey)), kid: 'rsa', use: 'sig' },
        { ...(await exportJWK(ec.publicKey)), kid: 'ec', use: 'sig' },
      ],
    };
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(jwks));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
      const verifier = createTokenVerifier({
        auth: { kind: 'jwks', url },
        issuer: undefined,
        audience: undefined,
      });
      const pkcs8 = await exportPKCS8(rsa.privateKey);
      const byRsa = await accepted(verifier, ['RS256', 'RS512', 'PS256'], async (alg) =>
        jwt(alg, await importPKCS8(pkcs8, alg), 'rsa'),
      );
      expect(byRsa).toEqual(['RS256']);
      expect(await accepted(verifier, ['ES256'], (alg) => jwt(alg, ec.privateKey, 'ec'))).toEqual([
        'ES256',
      ]);
      const hmac = await accepted(verifier, ['HS256'], (alg) =>
        jwt(alg, new TextEncoder().encode(JSON.stringify(jwks.keys[0])), 'rsa'),
      );
      expect(hmac).toEqual([]);
      await none(verifier);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('critical header extensions', () => {
  it('refuses a validly signed token whose crit header names an extension (none is understood)', async () => {
    const secret = 'crit-secret-that-is-long-enough-0123456789';
    const verifier = createTokenVerifier({
      auth: { kind: 'secret', secret },
      issuer: undefined,
      audience: undefined,
    });
    const part = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const input = `${part({ alg: 'HS256', crit: ['x-evil'], 'x-evil': true })}.${part({
      tenantId: 'ten_crit',
      exp: Math.floor(Date.now() / 1000) + 300,
    })}`;
    const { createHmac } = await import('node:crypto');
    const token = `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
    const error = await rejection(verifier.verify(token));
    expect(error).toMatchObject({ status: 401, code: 'invalid_token' });
    expect(error.message).toMatch(/crit/);
  });
});
