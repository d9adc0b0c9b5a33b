import { describe, expect, it } from 'vitest';
import { MAX_BATCH_ISSUES, prepareBatch } from './batch.js';
import { BatchValidationError } from './errors.js';

function refusal(events: unknown[]): BatchValidationError {
  try {
    prepareBatch(events);
  } catch (error) {
    if (error instanceof BatchValidationError) return error;
    throw error;
  }
  throw new Error('the batch was accepted');
}

describe('prepareBatch', () => {
  it('lists every issue of a batch with few invalid events and omits nothing', () => {
    const error = refusal([{}, 'x']);
    expect(error.issues.length).toBeLessThan(MAX_BATCH_ISSUES);
    expect(new Set(error.issues.map((i) => i.index))).toEqual(new Set([0, 1]));
    expect(error.omitted).toEqual({ issues: 0, uncheckedEvents: 0 });
  });

  it('lists at most MAX_BATCH_ISSUES issues and stops validating at the event that reaches the cap', () => {
    // `[]` gives exactly one issue per event, so the cap is reached at index MAX_BATCH_ISSUES - 1.
    const events: unknown[] = Array.from({ length: 50_000 }, () => []);
    const error = refusal(events);
    expect(error.issues).toHaveLength(MAX_BATCH_ISSUES);
    expect(error.issues.at(-1)?.index).toBe(MAX_BATCH_ISSUES - 1);
    expect(error.omitted).toEqual({ issues: 0, uncheckedEvents: 50_000 - MAX_BATCH_ISSUES });
  });

  it('counts the issues of the capping event that did not fit in the list', () => {
    // Each `{}` has several issues (missing event, timestamp, tenantId, data).
    const perEvent = refusal([{}]).issues.length;
    expect(perEvent).toBeGreaterThan(1);
    const events = Array.from({ length: 1000 }, () => ({}));
    const error = refusal(events);
    const eventsChecked = Math.ceil(MAX_BATCH_ISSUES / perEvent);
    expect(error.issues).toHaveLength(MAX_BATCH_ISSUES);
    expect(error.omitted).toEqual({
      issues: eventsChecked * perEvent - MAX_BATCH_ISSUES,
      uncheckedEvents: 1000 - eventsChecked,
    });
  });
});
