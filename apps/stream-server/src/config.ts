/**
 * Server configuration. This is the only module that reads `process.env`; everything else gets a
 * `Config` object. `loadConfig` fails fast with a `StreamServerError` naming the bad variable.
 */
import { createPublicKey, randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
// webhooks (issue #12)
import { loadWebhookConfig, WEBHOOK_DEFAULTS, type WebhookConfig } from '@causeflow/webhooks';
import { StreamServerError } from './errors.js';

/** JWT algorithms the server can be configured to accept (one family at a time). */
export type JwtAlgorithm = 'HS256' | 'RS256' | 'ES256';

/** How tokens are verified: a shared HS256 secret, a PEM public key, or a remote JWKS. */
export type AuthConfig =
  | { readonly kind: 'secret'; readonly secret: string }
  | { readonly kind: 'publicKey'; readonly pem: string; readonly algorithm: 'RS256' | 'ES256' }
  | { readonly kind: 'jwks'; readonly url: string };

/** Log levels pino understands. */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Everything the server needs to know, parsed and validated once at startup. */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly auth: AuthConfig;
  /** `iss` every token must carry, when set. */
  readonly issuer: string | undefined;
  /** `aud` every token must carry, when set. */
  readonly audience: string | undefined;
  readonly heartbeatMs: number;
  readonly bus: 'memory' | 'redis';
  readonly redisUrl: string;
  /** Redis Cluster seed nodes (`REDIS_CLUSTER_NODES=host:port,…`); when set, `redisUrl` is unused. */
  readonly redisClusterNodes:
    | readonly { readonly host: string; readonly port: number }[]
    | undefined;
  /** Events kept per tenant for replay. */
  readonly retention: number;
  readonly simulate: boolean;
  /** Origins allowed to call the API from a browser; empty: no CORS headers at all. */
  readonly corsOrigins: readonly string[];
  readonly maxConnectionsPerTenant: number;
  readonly logLevel: LogLevel;
  /** True when no JWT key was configured: an ephemeral HS256 secret was generated. */
  readonly devMode: boolean;
  /** The `retry:` value sent first on every stream (reconnect delay hint for clients). */
  readonly retryMs: number;
  /** Bytes a stream connection may have queued before it is closed as a slow consumer. */
  readonly maxBufferedBytes: number;
  /** Largest accepted `POST /v1/events` body. */
  readonly maxBodyBytes: number;
  /** Lifetime of a stream ticket. */
  readonly ticketTtlMs: number;
  /** Outstanding (issued, not yet redeemed or expired) tickets one tenant may hold; beyond: 429. */
  readonly ticketMaxPerTenant: number;
  /** Outstanding tickets in total (per instance in memory, per deployment in Redis); beyond: 429. */
  readonly ticketMaxOutstanding: number;
  /** Pending-connection queue of the listening socket (`listen` backlog; the kernel caps it at `somaxconn`). */
  readonly listenBacklog: number;
  /** How long a drain may take before remaining connections are cut. */
  readonly drainTimeoutMs: number;
  /** Events read per `readAfter` call while replaying. */
  readonly replayPageSize: number;
  /** The built docs site served at `/docs/`; `undefined` serves nothing (404 under /docs). */
  readonly docsDir: string | undefined;
  /** Webhook sender settings (`WEBHOOK_*`); dev mode allows http and private destinations. */
  readonly webhooks: WebhookConfig;
  /** Most events one `POST /v1/events` batch may hold; beyond: 413 `batch_too_large`. */
  readonly maxBatchEvents: number;
  /**
   * Time a client has to send a whole request (headers and body); beyond: 408. Node's
   * `requestTimeout`: it ends once the request is read, so it never cuts a stream's response.
   */
  readonly requestTimeoutMs: number;
  /** Time a client has to send its request headers; beyond: 408 (Node's `headersTimeout`). */
  readonly headersTimeoutMs: number;
  /** How long an idle keep-alive connection stays open between requests (Node's `keepAliveTimeout`). */
  readonly keepAliveTimeoutMs: number;
}

const MIB = 1024 * 1024;

/**
 * Where the workspace builds the docs site (`apps/docs/.vitepress/dist`): two levels up from this
 * module's folder (`dist/` when built, `src/` under tsx or vitest), then `docs/.vitepress/dist`.
 */
export const DEFAULT_DOCS_DIR = resolve(
  fileURLToPath(new URL('.', import.meta.url)),
  '../../docs/.vitepress/dist',
);

/** Defaults of every field except `auth` (which has no safe default outside dev mode). */
export const CONFIG_DEFAULTS = {
  port: 8080,
  host: '127.0.0.1',
  issuer: undefined,
  audience: undefined,
  heartbeatMs: 30_000,
  bus: 'memory',
  redisUrl: 'redis://127.0.0.1:6379',
  redisClusterNodes: undefined,
  retention: 10_000,
  simulate: false,
  corsOrigins: [],
  maxConnectionsPerTenant: 1000,
  logLevel: 'info',
  devMode: false,
  retryMs: 3000,
  maxBufferedBytes: MIB,
  maxBodyBytes: MIB,
  ticketTtlMs: 30_000,
  ticketMaxPerTenant: 1000,
  ticketMaxOutstanding: 100_000,
  listenBacklog: 4096,
  drainTimeoutMs: 10_000,
  replayPageSize: 500,
  docsDir: DEFAULT_DOCS_DIR,
  webhooks: WEBHOOK_DEFAULTS,
  maxBatchEvents: 1000,
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5000,
} as const satisfies Omit<Config, 'auth'>;

/**
 * Builds a `Config` from defaults plus overrides, without reading the environment (tests, embedding).
 * @example
 * const config = createConfig({ auth: { kind: 'secret', secret: 's3cret' }, heartbeatMs: 100 });
 */
export function createConfig(overrides: Partial<Config> & Pick<Config, 'auth'>): Config {
  return { ...CONFIG_DEFAULTS, ...overrides };
}

type Env = Readonly<Record<string, string | undefined>>;

function invalid(name: string, message: string): StreamServerError {
  return new StreamServerError(500, 'invalid_config', `invalid ${name}: ${message}`);
}

function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function integer(
  env: Env,
  name: string,
  fallback: number,
  range: { min: number; max: number },
): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw invalid(name, `"${raw}" is not a whole number`);
  const value = Number(raw);
  if (value < range.min || value > range.max) {
    throw invalid(name, `${value} is outside ${range.min}..${range.max}`);
  }
  return value;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = read(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw invalid(name, `"${raw}" is not one of 1, 0, true, false, yes, no, on, off`);
}

function url(env: Env, name: string, protocols: readonly string[]): string | undefined {
  const raw = read(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch (cause) {
    throw new StreamServerError(500, 'invalid_config', `invalid ${name}: not a URL`, { cause });
  }
  if (!protocols.includes(parsed.protocol)) {
    throw invalid(name, `protocol must be one of ${protocols.join(', ')}`);
  }
  return raw;
}

/** Origins allowed by default in dev mode: the docs site's dev server. */
export const DEV_CORS_ORIGINS = ['http://127.0.0.1:5173', 'http://localhost:5173'] as const;

function clusterNodes(env: Env): { host: string; port: number }[] | undefined {
  const raw = read(env, 'REDIS_CLUSTER_NODES');
  if (raw === undefined) return undefined;
  return raw.split(',').map((entry) => {
    const match = /^([^\s:]+):(\d{1,5})$/.exec(entry.trim());
    const port = Number(match?.[2]);
    if (!match || port < 1 || port > 65_535) {
      throw invalid('REDIS_CLUSTER_NODES', `"${entry.trim()}" is not host:port`);
    }
    return { host: match[1]!, port };
  });
}

function publicKeyAlgorithm(pem: string): 'RS256' | 'ES256' {
  let key: ReturnType<typeof createPublicKey>;
  try {
    key = createPublicKey(pem);
  } catch (cause) {
    throw new StreamServerError(
      500,
      'invalid_config',
      'invalid JWT_PUBLIC_KEY: not a PEM public key',
      {
        cause,
      },
    );
  }
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    return 'ES256';
  }
  throw invalid('JWT_PUBLIC_KEY', 'must be an RSA key (RS256) or a P-256 EC key (ES256)');
}

function auth(env: Env): { auth: AuthConfig; devMode: boolean } {
  const secret = read(env, 'JWT_SECRET');
  const pem = read(env, 'JWT_PUBLIC_KEY');
  const jwksUrl = url(env, 'JWT_JWKS_URL', ['https:', 'http:']);
  const configured = [
    secret && 'JWT_SECRET',
    pem && 'JWT_PUBLIC_KEY',
    jwksUrl && 'JWT_JWKS_URL',
  ].filter(Boolean);
  if (configured.length > 1) {
    throw invalid(configured.join('/'), 'set only one of JWT_SECRET, JWT_PUBLIC_KEY, JWT_JWKS_URL');
  }
  if (secret !== undefined) {
    if (secret.length < 32) throw invalid('JWT_SECRET', 'must be at least 32 characters');
    return { auth: { kind: 'secret', secret }, devMode: false };
  }
  if (pem !== undefined) {
    // Allow a one-line PEM with literal "\n" sequences (common in .env files).
    const text = pem.replace(/\\n/g, '\n');
    return {
      auth: { kind: 'publicKey', pem: text, algorithm: publicKeyAlgorithm(text) },
      devMode: false,
    };
  }
  if (jwksUrl !== undefined) return { auth: { kind: 'jwks', url: jwksUrl }, devMode: false };
  return { auth: { kind: 'secret', secret: randomBytes(32).toString('base64url') }, devMode: true };
}

/** `DOCS_DIR` resolved against the working directory; `off` disables `/docs/`. */
function docsDir(env: Env): string | undefined {
  const raw = read(env, 'DOCS_DIR');
  if (raw === undefined) return DEFAULT_DOCS_DIR;
  if (raw.toLowerCase() === 'off') return undefined;
  return resolve(raw);
}

const LOG_LEVELS: readonly LogLevel[] = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
];

/** `TICKET_MAX_PER_TENANT`, `TICKET_MAX_OUTSTANDING` and `LISTEN_BACKLOG`. */
function ticketAndListenLimits(
  env: Env,
): Pick<Config, 'ticketMaxPerTenant' | 'ticketMaxOutstanding' | 'listenBacklog'> {
  return {
    ticketMaxPerTenant: integer(env, 'TICKET_MAX_PER_TENANT', CONFIG_DEFAULTS.ticketMaxPerTenant, {
      min: 1,
      max: 10_000_000,
    }),
    ticketMaxOutstanding: integer(
      env,
      'TICKET_MAX_OUTSTANDING',
      CONFIG_DEFAULTS.ticketMaxOutstanding,
      { min: 1, max: 10_000_000 },
    ),
    listenBacklog: integer(env, 'LISTEN_BACKLOG', CONFIG_DEFAULTS.listenBacklog, {
      min: 1,
      max: 1_000_000,
    }),
  };
}

/** `CORS_ORIGINS` as bare origins; in dev mode the docs dev server's origins when unset. */
function corsOriginList(env: Env, devMode: boolean): string[] {
  // Dev mode lets the docs dev server (`pnpm run docs`) use the live page unless CORS_ORIGINS is set.
  return (read(env, 'CORS_ORIGINS') ?? (devMode ? DEV_CORS_ORIGINS.join(',') : ''))
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean)
    .map((origin) => {
      let parsed: URL;
      try {
        parsed = new URL(origin);
      } catch (cause) {
        throw new StreamServerError(
          500,
          'invalid_config',
          `invalid CORS_ORIGINS: "${origin}" is not an origin`,
          {
            cause,
          },
        );
      }
      if (parsed.origin !== origin.replace(/\/$/, '')) {
        throw invalid(
          'CORS_ORIGINS',
          `"${origin}" is not a bare origin like https://app.example.com`,
        );
      }
      return parsed.origin;
    });
}

/**
 * Reads and validates the environment. With no JWT key configured it switches to dev mode:
 * an ephemeral HS256 secret, and the simulator on unless `SIMULATE=0`.
 * @example
 * const config = loadConfig(); // throws StreamServerError('invalid PORT: …') on bad input
 */
export function loadConfig(env: Env = process.env): Config {
  const { auth: authConfig, devMode } = auth(env);
  const bus = read(env, 'BUS') ?? 'memory';
  if (bus !== 'memory' && bus !== 'redis')
    throw invalid('BUS', `"${bus}" is not "memory" or "redis"`);
  const logLevel = (read(env, 'LOG_LEVEL') ?? 'info').toLowerCase();
  if (!LOG_LEVELS.includes(logLevel as LogLevel)) {
    throw invalid('LOG_LEVEL', `"${logLevel}" is not one of ${LOG_LEVELS.join(', ')}`);
  }
  const corsOrigins = corsOriginList(env, devMode);
  return {
    port: integer(env, 'PORT', CONFIG_DEFAULTS.port, { min: 0, max: 65_535 }),
    host: read(env, 'HOST') ?? CONFIG_DEFAULTS.host,
    auth: authConfig,
    issuer: read(env, 'JWT_ISSUER'),
    audience: read(env, 'JWT_AUDIENCE'),
    heartbeatMs: integer(env, 'HEARTBEAT_MS', CONFIG_DEFAULTS.heartbeatMs, {
      min: 10,
      max: 3_600_000,
    }),
    bus,
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']) ?? CONFIG_DEFAULTS.redisUrl,
    redisClusterNodes: clusterNodes(env),
    retention: integer(env, 'RETENTION', CONFIG_DEFAULTS.retention, { min: 1, max: 10_000_000 }),
    simulate: boolean(env, 'SIMULATE', devMode),
    corsOrigins,
    maxConnectionsPerTenant: integer(
      env,
      'MAX_CONNECTIONS_PER_TENANT',
      CONFIG_DEFAULTS.maxConnectionsPerTenant,
      {
        min: 1,
        max: 1_000_000,
      },
    ),
    logLevel: logLevel as LogLevel,
    devMode,
    retryMs: integer(env, 'RETRY_MS', CONFIG_DEFAULTS.retryMs, { min: 0, max: 3_600_000 }),
    maxBufferedBytes: integer(env, 'MAX_BUFFERED_BYTES', CONFIG_DEFAULTS.maxBufferedBytes, {
      min: 1024,
      max: 1024 * MIB,
    }),
    maxBodyBytes: integer(env, 'MAX_BODY_BYTES', CONFIG_DEFAULTS.maxBodyBytes, {
      min: 1024,
      max: 1024 * MIB,
    }),
    ticketTtlMs: integer(env, 'TICKET_TTL_MS', CONFIG_DEFAULTS.ticketTtlMs, {
      min: 1000,
      max: 3_600_000,
    }),
    ...ticketAndListenLimits(env),
    drainTimeoutMs: integer(env, 'DRAIN_TIMEOUT_MS', CONFIG_DEFAULTS.drainTimeoutMs, {
      min: 0,
      max: 600_000,
    }),
    replayPageSize: CONFIG_DEFAULTS.replayPageSize,
    docsDir: docsDir(env),
    webhooks: loadWebhookConfig(env, { devMode }),
    maxBatchEvents: integer(env, 'MAX_BATCH_EVENTS', CONFIG_DEFAULTS.maxBatchEvents, {
      min: 1,
      max: 100_000,
    }),
    ...timeouts(env),
  };
}

/** `REQUEST_TIMEOUT_MS`, `HEADERS_TIMEOUT_MS` (at most the request timeout), `KEEP_ALIVE_TIMEOUT_MS`. */
function timeouts(
  env: Env,
): Pick<Config, 'requestTimeoutMs' | 'headersTimeoutMs' | 'keepAliveTimeoutMs'> {
  const range = { min: 100, max: 3_600_000 };
  const requestTimeoutMs = integer(
    env,
    'REQUEST_TIMEOUT_MS',
    CONFIG_DEFAULTS.requestTimeoutMs,
    range,
  );
  const headersTimeoutMs = integer(
    env,
    'HEADERS_TIMEOUT_MS',
    Math.min(CONFIG_DEFAULTS.headersTimeoutMs, requestTimeoutMs),
    range,
  );
  if (headersTimeoutMs > requestTimeoutMs) {
    throw invalid('HEADERS_TIMEOUT_MS', `must not exceed REQUEST_TIMEOUT_MS (${requestTimeoutMs})`);
  }
  return {
    requestTimeoutMs,
    headersTimeoutMs,
    keepAliveTimeoutMs: integer(env, 'KEEP_ALIVE_TIMEOUT_MS', CONFIG_DEFAULTS.keepAliveTimeoutMs, {
      min: 100,
      max: 600_000,
    }),
  };
}

/** What the `causeflow-token` CLI needs: the shared HS256 secret and the enforced iss/aud. */
export interface TokenSigningConfig {
  readonly secret: string;
  readonly issuer: string | undefined;
  readonly audience: string | undefined;
}

/**
 * Reads `JWT_SECRET`, `JWT_ISSUER` and `JWT_AUDIENCE` for minting tokens a configured server
 * accepts. Throws when `JWT_SECRET` is missing or too short.
 * @example
 * const { secret } = loadTokenSigningConfig(process.env);
 */
export function loadTokenSigningConfig(env: Env = process.env): TokenSigningConfig {
  const secret = read(env, 'JWT_SECRET');
  if (secret === undefined) {
    throw invalid('JWT_SECRET', 'is required to mint tokens (the servers must share it)');
  }
  if (secret.length < 32) throw invalid('JWT_SECRET', 'must be at least 32 characters');
  return { secret, issuer: read(env, 'JWT_ISSUER'), audience: read(env, 'JWT_AUDIENCE') };
}
