/**
 * Reconnect delays: exponential backoff with full jitter, and the `Retry-After` header.
 * Pure functions, so the bounds are unit-tested without timers.
 */

/** Backoff bounds: the first cap and the largest cap of the jittered delay. */
export interface BackoffOptions {
  /** Cap of the first delay, ms; the server's `retry:` replaces it when sent. Default 1000. */
  readonly initialMs: number;
  /** Largest cap, ms. Default 30000. */
  readonly maxMs: number;
}

/** The defaults used by `openStream`. */
export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1000, maxMs: 30_000 };

/**
 * Full-jitter delay for a zero-based attempt: `random(0, min(maxMs, initialMs · 2^attempt))`.
 * @example
 * backoffDelay(3, { initialMs: 1000, maxMs: 30000 }); // somewhere in [0, 8000)
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const cap = Math.min(options.maxMs, options.initialMs * 2 ** Math.max(0, attempt));
  return Math.floor(random() * Math.max(0, cap));
}

/**
 * Parses `Retry-After` (delta seconds or an HTTP date) into milliseconds; `undefined` when absent
 * or unparseable.
 * @example
 * parseRetryAfter('2'); // 2000
 */
export function parseRetryAfter(
  value: string | null | undefined,
  now = Date.now(),
): number | undefined {
  if (value == null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
