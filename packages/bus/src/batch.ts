import { type CauseFlowEvent, validateEvent } from '@causeflow/events';
import { BatchValidationError } from './errors.js';
import { newEventId } from './id.js';
import type { BatchIssue, StoredEvent } from './types.js';

/** An event ready to store: validated, with its `id`. */
export type PreparedEvent = StoredEvent['event'];

/**
 * Validates every envelope of a batch and returns copies with an `id` (kept when given, assigned
 * when absent). Throws `BatchValidationError` listing every issue of every event when any is invalid.
 * @example const events = prepareBatch(body); // all valid, or nothing
 */
export function prepareBatch(events: readonly unknown[]): PreparedEvent[] {
  if (!Array.isArray(events)) {
    throw new BatchValidationError([
      { index: 0, path: '', keyword: 'type', message: 'must be an array of event envelopes' },
    ]);
  }
  const prepared: PreparedEvent[] = new Array(events.length);
  let issues: BatchIssue[] | undefined;
  for (let index = 0; index < events.length; index++) {
    const result = validateEvent(events[index], { mode: 'strict' });
    if (!result.ok) {
      issues ??= [];
      for (const issue of result.errors) issues.push({ index, ...issue });
      continue;
    }
    if (issues) continue;
    const event: CauseFlowEvent = result.event;
    prepared[index] = (
      event.id === undefined ? { ...event, id: newEventId() } : { ...event }
    ) as PreparedEvent;
  }
  if (issues) throw new BatchValidationError(issues);
  return prepared;
}

/** The largest page a single read returns, whatever `limit` asks for. */
export const MAX_READ_LIMIT = 100_000;

/** Turns a caller's `limit` into a whole number in [0, MAX_READ_LIMIT]. */
export function normalizeLimit(limit: number): number {
  if (Number.isNaN(limit) || limit <= 0) return 0;
  return Math.min(Math.floor(limit), MAX_READ_LIMIT);
}
