import { describe, expect, it } from 'vitest';
import { formatComparison, formatMarkdown, formatNumber, formatResults } from './format.js';
import { metric } from './stats.js';
import type { BenchResult } from './types.js';

function result(value: number, ok = true): BenchResult {
  return {
    name: 'fanout',
    title: 'Fan-out',
    params: {},
    metrics: [
      metric({
        name: 'cpu per delivery',
        unit: 'µs',
        value,
        baseline: 2,
        baselineLabel: 'raw node:http',
        better: 'lower',
        target: { kind: 'ratio', max: 1.1 },
      }),
    ],
    integrity: { ok, checked: 'x', problems: ok ? [] : ['seq 3 after 1 (1 lost)'] },
    notes: [],
    durationMs: 1,
  };
}

describe('formatNumber', () => {
  it('keeps about three significant digits with separators', () => {
    expect(formatNumber(1234567.8)).toBe('1,234,568');
    expect(formatNumber(12.345)).toBe('12.3');
    expect(formatNumber(0.012345)).toBe('0.012');
    expect(formatNumber(undefined)).toBe('–');
  });
});

describe('formatResults', () => {
  it('shows each metric beside its baseline with the ratio and a missed target', () => {
    const table = formatResults([result(3)]);
    expect(table).toMatch(/cpu per delivery\s+3 µs\s+2 µs\s+1\.5×\s+≤ 1\.1×\s+MISSED/);
  });

  it('marks a failed integrity check loudly', () => {
    expect(formatResults([result(2, false)])).toMatch(/integrity\s+FAILED/);
  });

  it('renders a Markdown table with the baseline named', () => {
    expect(formatMarkdown([result(2)])).toContain(
      '| fanout | cpu per delivery | 2 µs | 2 µs (raw node:http) | 1× | ≤ 1.1× ✓ |',
    );
  });
});

describe('formatComparison', () => {
  it('prints the change of value and ratio for metrics both runs have', () => {
    const text = formatComparison([result(3)], [result(2)]);
    expect(text).toContain('2 → 3 µs');
    expect(text).toContain('+50.0%');
    expect(text).toContain('1× → 1.5×');
  });

  it('says so when nothing matches', () => {
    expect(formatComparison([result(3)], [])).toBe('no metric in common with the compared run');
  });
});
