import { describe, expect, it } from 'vitest';
import { median, metric, percentile } from './stats.js';

describe('percentile', () => {
  it('picks the nearest-rank value whatever the input order', () => {
    const values = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(percentile(values, 50)).toBe(5);
    expect(percentile(values, 99)).toBe(10);
    expect(percentile(values, 0)).toBe(1);
    expect(median([3, 1, 2])).toBe(2);
  });

  it('is NaN for no values rather than a made-up number', () => {
    expect(percentile([], 99)).toBeNaN();
  });
});

describe('metric', () => {
  it('computes the ratio to the baseline and judges a ratio target', () => {
    const within = metric({
      name: 'cpu',
      unit: 'µs',
      value: 1.05,
      baseline: 1,
      better: 'lower',
      target: { kind: 'ratio', max: 1.1 },
    });
    expect(within.ratio).toBeCloseTo(1.05);
    expect(within.met).toBe(true);
    const over = metric({ ...within, value: 1.2 });
    expect(over.met).toBe(false);
  });

  it('judges a delta target by the difference, not the ratio', () => {
    const m = metric({
      name: 'p99',
      unit: 'ms',
      value: 12,
      baseline: 8,
      better: 'lower',
      target: { kind: 'delta', max: 5 },
    });
    expect(m.met).toBe(true);
    expect(metric({ ...m, value: 14 }).met).toBe(false);
  });

  it('leaves ratio and verdict out when there is no baseline', () => {
    const m = metric({ name: 'time', unit: 'ms', value: 3, better: 'lower' });
    expect(m.ratio).toBeUndefined();
    expect(m.met).toBeUndefined();
  });
});
