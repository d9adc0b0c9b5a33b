import { generateKeyPairSync } from 'node:crypto';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_DEFAULTS, DEFAULT_DOCS_DIR, loadConfig, loadTokenSigningConfig } from './config.js';
import { StreamServerError } from './errors.js';

const SECRET = 'a'.repeat(32);

function pem(type: 'rsa' | 'ec'): string {
  const { publicKey } =
    type === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return publicKey.export({ type: 'spki', format: 'pem' }).toString();
}

function failure(env: Record<string, string>): StreamServerError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(StreamServerError);
    return error as StreamServerError;
  }
  throw new Error('loadConfig did not throw');
}

describe('loadConfig', () => {
  it('uses the documented defaults and dev mode when nothing is set', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      heartbeatMs: 30_000,
      bus: 'memory',
      redisUrl: 'redis://127.0.0.1:6379',
      retention: 10_000,
      maxConnectionsPerTenant: 1000,
      corsOrigins: ['http://127.0.0.1:5173', 'http://localhost:5173'],
      logLevel: 'info',
      devMode: true,
      simulate: true,
    });
    expect(config.auth.kind).toBe('secret');
    expect(config.auth.kind === 'secret' && config.auth.secret.length).toBeGreaterThanOrEqual(32);
  });

  it('generates a different dev secret on every start', () => {
    const a = loadConfig({}).auth;
    const b = loadConfig({}).auth;
    expect(a.kind === 'secret' && b.kind === 'secret' && a.secret !== b.secret).toBe(true);
  });

  it('leaves dev mode and the simulator off when a key is configured, unless SIMULATE=1', () => {
    expect(loadConfig({ JWT_SECRET: SECRET })).toMatchObject({ devMode: false, simulate: false });
    expect(loadConfig({ JWT_SECRET: SECRET, SIMULATE: '1' }).simulate).toBe(true);
    expect(loadConfig({ SIMULATE: 'off' }).simulate).toBe(false);
  });

  it('parses every variable', () => {
    const config = loadConfig({
      PORT: '9000',
      HOST: '0.0.0.0',
      JWT_SECRET: SECRET,
      JWT_ISSUER: 'https://auth.example.com',
      JWT_AUDIENCE: 'causeflow',
      HEARTBEAT_MS: '15000',
      BUS: 'redis',
      REDIS_URL: 'redis://redis:6379/2',
      RETENTION: '500',
      CORS_ORIGINS: 'https://app.example.com, http://localhost:5173',
      MAX_CONNECTIONS_PER_TENANT: '10',
      LOG_LEVEL: 'DEBUG',
      MAX_BODY_BYTES: '2048',
    });
    expect(config).toMatchObject({
      port: 9000,
      host: '0.0.0.0',
      issuer: 'https://auth.example.com',
      audience: 'causeflow',
      heartbeatMs: 15_000,
      bus: 'redis',
      redisUrl: 'redis://redis:6379/2',
      retention: 500,
      corsOrigins: ['https://app.example.com', 'http://localhost:5173'],
      maxConnectionsPerTenant: 10,
      logLevel: 'debug',
      maxBodyBytes: 2048,
      maxBufferedBytes: CONFIG_DEFAULTS.maxBufferedBytes,
    });
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ HEARTBEAT_MS: '-5' }, 'HEARTBEAT_MS'],
    [{ BUS: 'kafka' }, 'BUS'],
    [{ RETENTION: '0' }, 'RETENTION'],
    [{ MAX_CONNECTIONS_PER_TENANT: '1.5' }, 'MAX_CONNECTIONS_PER_TENANT'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ SIMULATE: 'maybe' }, 'SIMULATE'],
    [{ REDIS_URL: 'http://redis' }, 'REDIS_URL'],
    [{ CORS_ORIGINS: 'not an origin' }, 'CORS_ORIGINS'],
    [{ CORS_ORIGINS: 'https://app.example.com/path' }, 'CORS_ORIGINS'],
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET'],
    [{ JWT_PUBLIC_KEY: 'not a pem' }, 'JWT_PUBLIC_KEY'],
    [{ JWT_JWKS_URL: 'ftp://keys' }, 'JWT_JWKS_URL'],
    [{ JWT_SECRET: SECRET, JWT_JWKS_URL: 'https://auth.example.com/jwks' }, 'JWT_JWKS_URL'],
    [{ TICKET_MAX_PER_TENANT: '0' }, 'TICKET_MAX_PER_TENANT'],
    [{ TICKET_MAX_OUTSTANDING: 'many' }, 'TICKET_MAX_OUTSTANDING'],
    [{ LISTEN_BACKLOG: '-1' }, 'LISTEN_BACKLOG'],
  ])('refuses %o with an error naming %s', (env, name) => {
    const error = failure(env as Record<string, string>);
    expect(error.code).toBe('invalid_config');
    expect(error.message).toContain(name);
  });

  it('reads the ticket bounds and the listen backlog, with their defaults when unset', () => {
    expect(
      loadConfig({
        JWT_SECRET: SECRET,
        TICKET_MAX_PER_TENANT: '50',
        TICKET_MAX_OUTSTANDING: '5000',
        LISTEN_BACKLOG: '1024',
      }),
    ).toMatchObject({ ticketMaxPerTenant: 50, ticketMaxOutstanding: 5000, listenBacklog: 1024 });
    expect(loadConfig({ JWT_SECRET: SECRET })).toMatchObject({
      ticketMaxPerTenant: 1000,
      ticketMaxOutstanding: 100_000,
      listenBacklog: 4096,
    });
  });

  it('picks RS256 for an RSA public key and ES256 for a P-256 key, one-line PEMs included', () => {
    expect(loadConfig({ JWT_PUBLIC_KEY: pem('rsa') }).auth).toMatchObject({
      kind: 'publicKey',
      algorithm: 'RS256',
    });
    const oneLine = pem('ec').replace(/\n/g, '\\n');
    expect(loadConfig({ JWT_PUBLIC_KEY: oneLine }).auth).toMatchObject({
      kind: 'publicKey',
      algorithm: 'ES256',
    });
  });

  it('accepts a JWKS URL', () => {
    expect(
      loadConfig({ JWT_JWKS_URL: 'https://auth.example.com/.well-known/jwks.json' }),
    ).toMatchObject({
      devMode: false,
      auth: { kind: 'jwks', url: 'https://auth.example.com/.well-known/jwks.json' },
    });
  });
});

describe('loadTokenSigningConfig', () => {
  it('returns the shared secret and the enforced issuer and audience', () => {
    const secret = 'x'.repeat(32);
    expect(
      loadTokenSigningConfig({ JWT_SECRET: secret, JWT_ISSUER: 'iss', JWT_AUDIENCE: 'aud' }),
    ).toEqual({
      secret,
      issuer: 'iss',
      audience: 'aud',
    });
  });

  it('refuses to mint without JWT_SECRET, naming the variable', () => {
    expect(() => loadTokenSigningConfig({})).toThrow(/JWT_SECRET/);
  });

  it('refuses a secret shorter than 32 characters', () => {
    expect(() => loadTokenSigningConfig({ JWT_SECRET: 'short' })).toThrow(/at least 32/);
  });
});

describe('DOCS_DIR', () => {
  it("defaults to the workspace's apps/docs build output", () => {
    expect(loadConfig({ JWT_SECRET: SECRET }).docsDir).toBe(DEFAULT_DOCS_DIR);
    expect(DEFAULT_DOCS_DIR).toBe(resolve(import.meta.dirname, '../../docs/.vitepress/dist'));
  });

  it('resolves a relative folder against the working directory, and "off" disables the site', () => {
    expect(loadConfig({ JWT_SECRET: SECRET, DOCS_DIR: 'site/dist' }).docsDir).toBe(
      resolve('site/dist'),
    );
    expect(loadConfig({ JWT_SECRET: SECRET, DOCS_DIR: 'off' }).docsDir).toBeUndefined();
  });
});

describe('request limits and timeouts', () => {
  it('defaults to 1000 events per batch, 30 s per request, 10 s for headers, 5 s keep-alive', () => {
    expect(loadConfig({})).toMatchObject({
      maxBatchEvents: 1000,
      requestTimeoutMs: 30_000,
      headersTimeoutMs: 10_000,
      keepAliveTimeoutMs: 5000,
    });
  });

  it('parses MAX_BATCH_EVENTS and the three timeouts', () => {
    expect(
      loadConfig({
        MAX_BATCH_EVENTS: '50',
        REQUEST_TIMEOUT_MS: '60000',
        HEADERS_TIMEOUT_MS: '20000',
        KEEP_ALIVE_TIMEOUT_MS: '65000',
      }),
    ).toMatchObject({
      maxBatchEvents: 50,
      requestTimeoutMs: 60_000,
      headersTimeoutMs: 20_000,
      keepAliveTimeoutMs: 65_000,
    });
  });

  it('lowers the default headers timeout to a shorter request timeout', () => {
    expect(loadConfig({ REQUEST_TIMEOUT_MS: '2000' }).headersTimeoutMs).toBe(2000);
  });

  it.each([
    [{ MAX_BATCH_EVENTS: '0' }, 'MAX_BATCH_EVENTS'],
    [{ REQUEST_TIMEOUT_MS: '0' }, 'REQUEST_TIMEOUT_MS'],
    [{ HEADERS_TIMEOUT_MS: '40000' }, 'HEADERS_TIMEOUT_MS'],
    [{ KEEP_ALIVE_TIMEOUT_MS: 'forever' }, 'KEEP_ALIVE_TIMEOUT_MS'],
  ])('refuses %o with an error naming %s', (env, name) => {
    const error = failure(env as Record<string, string>);
    expect(error.message).toContain(name);
  });
});

describe('REDIS_CLUSTER_NODES', () => {
  it('parses a comma-separated list of host:port seed nodes', () => {
    const config = loadConfig({
      BUS: 'redis',
      REDIS_CLUSTER_NODES: '127.0.0.1:7000, redis-b:7001',
    });
    expect(config.redisClusterNodes).toEqual([
      { host: '127.0.0.1', port: 7000 },
      { host: 'redis-b', port: 7001 },
    ]);
  });

  it('is unset by default', () => {
    expect(loadConfig({}).redisClusterNodes).toBeUndefined();
  });

  it('names the variable and the bad entry when an entry is not host:port', () => {
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: '127.0.0.1:7000,nonsense' })).toThrow(
      /REDIS_CLUSTER_NODES.*"nonsense" is not host:port/,
    );
  });
});

describe('CORS_ORIGINS defaults', () => {
  it('allows the docs dev server in dev mode so its live page can connect', () => {
    expect(loadConfig({}).corsOrigins).toEqual(['http://127.0.0.1:5173', 'http://localhost:5173']);
  });

  it('allows no origin by default when a JWT key is configured', () => {
    expect(loadConfig({ JWT_SECRET: SECRET }).corsOrigins).toEqual([]);
  });

  it('uses CORS_ORIGINS as given in dev mode too', () => {
    expect(loadConfig({ CORS_ORIGINS: 'https://app.example.com' }).corsOrigins).toEqual([
      'https://app.example.com',
    ]);
  });
});
