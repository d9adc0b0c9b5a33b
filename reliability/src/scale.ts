/**
 * Run sizes. `RELIABILITY_SCALE=full` gives the full run (`pnpm test:reliability`); anything else
 * the scaled-down CI run (`pnpm test`). The only module that reads `process.env`.
 */

/** `ci` (scaled down, the default) or `full`. */
export type Scale = 'ci' | 'full';

/** The scale of this run. */
export const SCALE: Scale = process.env.RELIABILITY_SCALE === 'full' ? 'full' : 'ci';

/**
 * Picks the size for this run.
 * @example
 * const tenants = sized(10, 12);
 */
export function sized<T>(ci: T, full: T): T {
  return SCALE === 'full' ? full : ci;
}

/** Soak length in seconds: `RELIABILITY_SOAK_SECONDS`, else 10 (CI) or 120 (full). */
export const SOAK_SECONDS: number = (() => {
  const raw = Number(process.env.RELIABILITY_SOAK_SECONDS);
  return Number.isFinite(raw) && raw > 0 ? raw : sized(10, 120);
})();

/** Seed of the fuzz run: `RELIABILITY_SEED`, else a fixed default so runs are reproducible. */
export const SEED: number = (() => {
  const raw = Number(process.env.RELIABILITY_SEED);
  return Number.isInteger(raw) ? raw : 20_240_401;
})();

/**
 * Progress notes to stderr when `RELIABILITY_DEBUG=1` (never console: tests must stay silent).
 * @example
 * debug('published', n);
 */
export function debug(...parts: unknown[]): void {
  if (process.env.RELIABILITY_DEBUG === '1')
    process.stderr.write(`[reliability] ${parts.map(String).join(' ')}\n`);
}

/** `RELIABILITY_SERVER_MAIN`: another build of the server's main.js to run (e.g. to verify a fix). */
export const SERVER_MAIN_OVERRIDE: string | undefined =
  process.env.RELIABILITY_SERVER_MAIN || undefined;

/** `RELIABILITY_HEAP_DIR`: where the server child writes heap statistics on each forced GC. */
export const HEAP_DIR: string | undefined = process.env.RELIABILITY_HEAP_DIR || undefined;
