/**
 * The retention window both logs share: how many events a tenant keeps, and where a read after a
 * cursor starts. (The Redis log applies the same rules inside its read script, see `READ_SCRIPT`.)
 */
import { TRIMMED, UNKNOWN } from './cursor.js';
import { BusError } from './errors.js';
import type { ReadResult } from './types.js';

/** Events kept per tenant when the options do not say. */
export const DEFAULT_RETENTION = 10_000;

/**
 * The retention option, checked: a positive safe integer (default `DEFAULT_RETENTION`).
 * Throws `BusError` otherwise. @example const retention = resolveRetention(options.retention);
 */
export function resolveRetention(retention: unknown = DEFAULT_RETENTION): number {
  if (typeof retention !== 'number' || !Number.isSafeInteger(retention) || retention < 1) {
    throw new BusError(`retention must be a positive integer, got ${String(retention)}`);
  }
  return retention;
}

/**
 * Where a read after sequence `position` starts in a window holding sequences `oldest..newest`
 * (`oldest = newest + 1` when empty): the sequence to read after, or the answer for a cursor
 * ahead of the newest (`UNKNOWN`) or older than the predecessor of the oldest (`TRIMMED`; the
 * last trimmed event is still a valid place to resume from).
 */
export function readStart(position: number, oldest: number, newest: number): number | ReadResult {
  if (position > newest) return UNKNOWN;
  if (position < oldest - 1) return TRIMMED;
  return position;
}
