/**
 * Webhook settings: types, defaults and a parser for the `WEBHOOK_*` environment variables.
 * The parser takes the environment as an argument (the server's config module is the only one
 * that reads `process.env`).
 */
import { WebhookError } from './errors.js';

/** Everything the webhook sender can be tuned with. */
export interface WebhookConfig {
  /** A delivery attempt succeeds only with a 2xx within this time (`WEBHOOK_TIMEOUT_MS`). */
  readonly timeoutMs: number;
  /** Delays before retries 1..n (`WEBHOOK_RETRY_SCHEDULE`); attempts = 1 + its length. */
  readonly retrySchedule: readonly number[];
  /** ± fraction of each retry delay drawn at random (0.2 → 80 %–120 %). */
  readonly jitter: number;
  /** An endpoint whose attempts have all failed for this long is disabled (`WEBHOOK_DISABLE_AFTER_MS`). */
  readonly disableAfterMs: number;
  /** After a rotation the previous secret also signs for this long (`WEBHOOK_SECRET_OVERLAP_MS`). */
  readonly secretOverlapMs: number;
  /** `http:` destinations allowed (`WEBHOOK_ALLOW_HTTP`). */
  readonly allowHttp: boolean;
  /** Loopback/private/link-local destinations allowed (`WEBHOOK_ALLOW_PRIVATE`). */
  readonly allowPrivate: boolean;
  /** Endpoints one tenant may register (`WEBHOOK_MAX_ENDPOINTS_PER_TENANT`). */
  readonly maxEndpointsPerTenant: number;
  /** Endpoints of all tenants together (`WEBHOOK_MAX_ENDPOINTS`). */
  readonly maxEndpointsTotal: number;
  /** Pending deliveries of one tenant before its dispatch pauses / replay is refused (`WEBHOOK_MAX_PENDING_PER_TENANT`). */
  readonly maxPendingPerTenant: number;
  /** Pending deliveries of all tenants together (`WEBHOOK_MAX_PENDING`). */
  readonly maxPendingTotal: number;
  /** Delivery log records kept per endpoint; the oldest finished ones go first (`WEBHOOK_DELIVERY_LOG_SIZE`). */
  readonly deliveryLogSize: number;
  /** Attempts sent at once by one instance (`WEBHOOK_CONCURRENCY`). */
  readonly concurrency: number;
  /** Events read per page when dispatching or replaying. */
  readonly pageSize: number;
  /** How often every tenant with endpoints is re-checked for undispatched events (ms). */
  readonly sweepMs: number;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** The defaults of the architecture document. */
export const WEBHOOK_DEFAULTS: WebhookConfig = {
  timeoutMs: 10 * SECOND,
  retrySchedule: [5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR],
  jitter: 0.2,
  disableAfterMs: 5 * 24 * HOUR,
  secretOverlapMs: 24 * HOUR,
  allowHttp: false,
  allowPrivate: false,
  maxEndpointsPerTenant: 20,
  maxEndpointsTotal: 100_000,
  maxPendingPerTenant: 10_000,
  maxPendingTotal: 200_000,
  deliveryLogSize: 1000,
  concurrency: 50,
  pageSize: 500,
  sweepMs: 30 * SECOND,
};

const UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: SECOND,
  m: MINUTE,
  h: HOUR,
  d: 24 * HOUR,
};

/**
 * Parses a duration like `50ms`, `5s`, `5m`, `2h`, `1d` (a bare number is milliseconds).
 * @example
 * parseDuration('5m'); // 300000
 */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (match === null)
    throw new WebhookError(500, 'invalid_config', `"${text}" is not a duration like 5s`);
  return Math.round(Number(match[1]) * (UNITS[match[2] ?? 'ms'] ?? 1));
}

/**
 * Parses a retry schedule: comma-separated durations, at most 20.
 * @example
 * parseRetrySchedule('50ms,100ms'); // [50, 100]
 */
export function parseRetrySchedule(text: string): number[] {
  const parts = text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  if (parts.length > 20) throw new WebhookError(500, 'invalid_config', 'at most 20 retries');
  return parts.map(parseDuration);
}

type Env = Readonly<Record<string, string | undefined>>;

function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function invalid(name: string, message: string): WebhookError {
  return new WebhookError(500, 'invalid_config', `invalid ${name}: ${message}`);
}

function count(env: Env, name: string, fallback: number, max: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1 || value > max)
    throw invalid(name, `"${raw}" is not a whole number in 1..${max}`);
  return value;
}

function duration(env: Env, name: string, fallback: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  try {
    return parseDuration(raw);
  } catch (cause) {
    throw new WebhookError(500, 'invalid_config', `invalid ${name}: "${raw}" is not a duration`, {
      cause,
    });
  }
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = read(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw invalid(name, `"${raw}" is not one of 1, 0, true, false`);
}

/**
 * Reads the `WEBHOOK_*` variables of `env`. Dev mode allows http and private destinations unless
 * the variables say otherwise. Throws `WebhookError('invalid_config')` naming the bad variable.
 * @example
 * const webhooks = loadWebhookConfig(process.env, { devMode: false });
 */
export function loadWebhookConfig(env: Env, options: { devMode: boolean }): WebhookConfig {
  const d = WEBHOOK_DEFAULTS;
  let retrySchedule = d.retrySchedule;
  const schedule = read(env, 'WEBHOOK_RETRY_SCHEDULE');
  if (schedule !== undefined) {
    try {
      retrySchedule = parseRetrySchedule(schedule);
    } catch (cause) {
      throw new WebhookError(
        500,
        'invalid_config',
        `invalid WEBHOOK_RETRY_SCHEDULE: "${schedule}" is not like 5s,5m,30m`,
        { cause },
      );
    }
  }
  return {
    ...d,
    timeoutMs: duration(env, 'WEBHOOK_TIMEOUT_MS', d.timeoutMs),
    retrySchedule,
    disableAfterMs: duration(env, 'WEBHOOK_DISABLE_AFTER_MS', d.disableAfterMs),
    secretOverlapMs: duration(env, 'WEBHOOK_SECRET_OVERLAP_MS', d.secretOverlapMs),
    allowHttp: flag(env, 'WEBHOOK_ALLOW_HTTP', options.devMode),
    allowPrivate: flag(env, 'WEBHOOK_ALLOW_PRIVATE', options.devMode),
    maxEndpointsPerTenant: count(
      env,
      'WEBHOOK_MAX_ENDPOINTS_PER_TENANT',
      d.maxEndpointsPerTenant,
      10_000,
    ),
    maxEndpointsTotal: count(env, 'WEBHOOK_MAX_ENDPOINTS', d.maxEndpointsTotal, 100_000_000),
    maxPendingPerTenant: count(
      env,
      'WEBHOOK_MAX_PENDING_PER_TENANT',
      d.maxPendingPerTenant,
      10_000_000,
    ),
    maxPendingTotal: count(env, 'WEBHOOK_MAX_PENDING', d.maxPendingTotal, 100_000_000),
    deliveryLogSize: count(env, 'WEBHOOK_DELIVERY_LOG_SIZE', d.deliveryLogSize, 1_000_000),
    concurrency: count(env, 'WEBHOOK_CONCURRENCY', d.concurrency, 10_000),
  };
}
