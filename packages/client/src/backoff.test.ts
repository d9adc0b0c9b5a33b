import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay, parseRetryAfter } from './backoff.js';

describe('backoffDelay', () => {
  it('stays within [0, min(max, initial·2^attempt)) for any attempt and random value', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 200 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 120_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, initialMs, maxMs, r) => {
          const delay = backoffDelay(attempt, { initialMs, maxMs }, () => r);
          const cap = Math.min(maxMs, initialMs * 2 ** attempt);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(cap);
          expect(Number.isInteger(delay)).toBe(true);
        },
      ),
    );
  });

  it('doubles the cap with every attempt until it reaches the maximum', () => {
    const top = () => 0.999_999_999;
    const caps = [0, 1, 2, 3, 4, 5, 6].map((a) =>
      backoffDelay(a, { initialMs: 100, maxMs: 3000 }, top),
    );
    expect(caps).toEqual([99, 199, 399, 799, 1599, 2999, 2999]);
  });

  it('uses full jitter: a random value of 0 gives no delay at all', () => {
    expect(backoffDelay(10, { initialMs: 1000, maxMs: 30_000 }, () => 0)).toBe(0);
  });

  it('never exceeds the maximum even for huge attempt numbers', () => {
    expect(backoffDelay(5000, { initialMs: 1000, maxMs: 30_000 }, () => 0.5)).toBe(15_000);
  });

  it('spreads real random delays over the whole interval', () => {
    const delays = Array.from({ length: 400 }, () =>
      backoffDelay(3, { initialMs: 1000, maxMs: 30_000 }),
    );
    expect(Math.max(...delays)).toBeLessThan(8000);
    expect(Math.max(...delays)).toBeGreaterThan(6000);
    expect(Math.min(...delays)).toBeLessThan(2000);
  });
});

describe('parseRetryAfter', () => {
  it('reads delta seconds as milliseconds', () => {
    expect(parseRetryAfter('3')).toBe(3000);
  });

  it('reads an HTTP date relative to now', () => {
    const now = Date.parse('2024-04-01T10:00:00Z');
    expect(parseRetryAfter('Mon, 01 Apr 2024 10:00:05 GMT', now)).toBe(5000);
  });

  it('returns undefined for a missing or garbled header', () => {
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});
