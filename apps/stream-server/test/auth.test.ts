import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../src/testing.js';
import { signToken } from '../src/tokens.js';

const SECRET = 'test-secret-that-is-long-enough-0123456789';
const STREAM = '/v1/notifications/stream';

let server: TestServer;
let strict: TestServer;
beforeAll(async () => {
  server = await startTestServer({ jwtSecret: SECRET });
  strict = await startTestServer({
    jwtSecret: SECRET,
    issuer: 'https://auth.example.com',
    audience: 'causeflow-stream',
  });
});
afterAll(async () => {
  await server?.close();
  await strict?.close();
});

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

async function expectRefused(
  target: TestServer,
  authorization: string | undefined,
  status: 401 | 403,
  code?: string,
): Promise<void> {
  const res = await fetch(`${target.url}${STREAM}`, {
    headers: authorization === undefined ? {} : { Authorization: authorization },
  });
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(body.error.message).toEqual(expect.any(String));
  if (status === 401) {
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(body.error.code).toBe('invalid_token');
  } else {
    expect(res.headers.get('www-authenticate')).toBeNull();
  }
  if (code !== undefined) expect(body.error.code).toBe(code);
}

describe('stream authentication', () => {
  it('refuses a request without a token with 401 and a Bearer challenge', async () => {
    await expectRefused(server, undefined, 401);
  });

  it('refuses a malformed Authorization header with 401', async () => {
    await expectRefused(server, 'Basic dXNlcjpwYXNz', 401);
    await expectRefused(server, 'Bearer', 401);
    await expectRefused(server, 'Bearer not-a-jwt', 401);
  });

  it('refuses a token signed with another secret with 401', async () => {
    const token = await signToken({
      secret: 'another-secret-that-is-also-long-enough',
      claims: { tenantId: 'ten_a' },
    });
    await expectRefused(server, `Bearer ${token}`, 401);
  });

  it('refuses an unsigned alg:none token with 401', async () => {
    const token = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ tenantId: 'ten_a', exp: inAnHour() })}.`;
    await expectRefused(server, `Bearer ${token}`, 401);
  });

  it('refuses a token of another algorithm family (RS256 against an HS256 server) with 401', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const token = await new SignJWT({ tenantId: 'ten_a' })
      .setProtectedHeader({ alg: 'RS256' })
      .setExpirationTime('1h')
      .sign(privateKey);
    await expectRefused(server, `Bearer ${token}`, 401);
  });

  it('refuses an HS512 token signed with the right secret, since only HS256 is allowed', async () => {
    const token = await new SignJWT({ tenantId: 'ten_a' })
      .setProtectedHeader({ alg: 'HS512' })
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(SECRET));
    await expectRefused(server, `Bearer ${token}`, 401);
  });

  it('refuses an expired token with 401', async () => {
    await expectRefused(server, `Bearer ${await server.token({ expiresInSeconds: -60 })}`, 401);
  });

  it('refuses a token without exp with 401', async () => {
    const token = await new SignJWT({ tenantId: 'ten_a' })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(SECRET));
    await expectRefused(server, `Bearer ${token}`, 401);
  });

  it('refuses a wrong or missing issuer and audience when they are configured', async () => {
    const sign = (issuer: string | undefined, audience: string | undefined) =>
      signToken({ secret: SECRET, claims: { tenantId: 'ten_a' }, issuer, audience });
    await expectRefused(
      strict,
      `Bearer ${await sign('https://evil.example.com', 'causeflow-stream')}`,
      401,
    );
    await expectRefused(
      strict,
      `Bearer ${await sign('https://auth.example.com', 'other-api')}`,
      401,
    );
    await expectRefused(strict, `Bearer ${await sign(undefined, undefined)}`, 401);
  });

  it('accepts the configured issuer and audience', async () => {
    const controller = new AbortController();
    const res = await fetch(`${strict.url}${STREAM}`, {
      headers: { Authorization: `Bearer ${await strict.token({ tenantId: 'ten_a' })}` },
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    controller.abort();
  });

  it('refuses a valid token without a tenant with 403', async () => {
    await expectRefused(
      server,
      `Bearer ${await server.token({ tenantId: undefined })}`,
      403,
      'tenant_required',
    );
  });

  it('refuses a non-string or malformed tenantId with 403', async () => {
    for (const tenantId of [42, ['ten_a'], { id: 'ten_a' }, '', 'acme', 'ten_a b']) {
      const token = await new SignJWT({ tenantId, scope: 'events:read' })
        .setProtectedHeader({ alg: 'HS256' })
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(SECRET));
      await expectRefused(server, `Bearer ${token}`, 403, 'invalid_tenant');
    }
  });

  it('refuses a tenant token without the events:read scope with 403 insufficient_scope', async () => {
    for (const scope of [undefined, 'events:publish', 'events:reader']) {
      const token = await server.token({ tenantId: 'ten_a', scope });
      const res = await fetch(`${server.url}${STREAM}`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(403);
      expect(res.headers.get('www-authenticate')).toBe(
        'Bearer error="insufficient_scope", scope="events:read"',
      );
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
        'insufficient_scope',
      );
      const ticket = await fetch(`${server.url}/v1/notifications/tickets`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}` },
      });
      expect(ticket.status).toBe(403);
    }
  });
});
