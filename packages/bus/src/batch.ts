import { type CauseFlowEvent, validateEvent } from '@causeflow/events';
import { BatchValidationError } from './errors.js';
import { newEventId } from './id.js';
import type { BatchIssue, StoredEvent } from './types.js';

/** An event ready to store: validated, with its `id`. */
export type PreparedEvent = StoredEvent['event'];

/**
 * The most issues a `BatchValidationError` lists. Validation stops at the event that reaches it,
 * so a huge batch of invalid events costs neither a huge error nor its validation.
 */
export const MAX_BATCH_ISSUES = 100;

/**
 * Validates every envelope of a batch and returns copies with an `id` (kept when given, assigned
 * when absent). Throws `BatchValidationError` when any is invalid, listing the first
 * `MAX_BATCH_ISSUES` issues (validation stops there; the error counts what it left out).
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
  let omitted = 0;
  for (let index = 0; index < events.length; index++) {
    const result = validateEvent(events[index]);
    if (!result.ok) {
      issues ??= [];
      const room = MAX_BATCH_ISSUES - issues.length;
      for (const issue of result.errors.slice(0, room)) issues.push({ index, ...issue });
      omitted += Math.max(0, result.errors.length - room);
      if (issues.length >= MAX_BATCH_ISSUES) {
        throw new BatchValidationError(issues, {
          issues: omitted,
          uncheckedEvents: events.length - index - 1,
        });
      }
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
