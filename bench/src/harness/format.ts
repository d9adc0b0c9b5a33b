/** Renders results as plain-text tables: the run's table and the deltas against a previous run. */
import type { BenchResult, Metric, Target } from './types.js';

/** Formats a number with about three significant digits and thousands separators. */
export function formatNumber(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return '–';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '-∞';
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : abs >= 0.01 ? 3 : 4;
  return value.toLocaleString('en-US', {
    minimumFractionDigits: 0,
    maximumFractionDigits: digits,
  });
}

function formatTarget(target: Target | undefined): string {
  if (!target) return '';
  if (target.kind === 'delta') return `Δ ≤ ${formatNumber(target.max)}`;
  if (target.max !== undefined) return `≤ ${target.max}×`;
  if (target.min !== undefined) return `≥ ${target.min}×`;
  return '';
}

function status(metric: Metric): string {
  if (metric.met === undefined) return '';
  return metric.met ? 'ok' : 'MISSED';
}

/** Lays out rows of cells as an aligned table with a header rule. */
export function renderTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i <= 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The table printed at the end of a run: every metric beside its baseline and the ratio. */
export function formatResults(results: readonly BenchResult[]): string {
  const rows: string[][] = [];
  for (const result of results) {
    for (const m of result.metrics) {
      rows.push([
        result.name,
        m.name,
        `${formatNumber(m.value)} ${m.unit}`,
        m.baseline === undefined ? '' : `${formatNumber(m.baseline)} ${m.unit}`,
        m.ratio === undefined ? '' : `${formatNumber(m.ratio)}×`,
        formatTarget(m.target),
        status(m),
      ]);
    }
    rows.push([
      result.name,
      'integrity',
      result.integrity.ok ? 'ok' : 'FAILED',
      '',
      '',
      '',
      result.integrity.ok ? '' : 'FAILED',
    ]);
  }
  return renderTable(['benchmark', 'metric', 'causeflow', 'baseline', 'ratio', 'target', ''], rows);
}

/** A Markdown version of the results table, for the README. */
export function formatMarkdown(results: readonly BenchResult[]): string {
  const lines = [
    '| benchmark | metric | CauseFlow | baseline | ratio | target |',
    '|---|---|---:|---:|---:|---|',
  ];
  for (const result of results) {
    for (const m of result.metrics) {
      const base =
        m.baseline === undefined
          ? ''
          : `${formatNumber(m.baseline)} ${m.unit}${m.baselineLabel ? ` (${m.baselineLabel})` : ''}`;
      const verdict = m.met === undefined ? '' : m.met ? ' ✓' : ' ✗ missed';
      lines.push(
        `| ${result.name} | ${m.name} | ${formatNumber(m.value)} ${m.unit} | ${base} | ${
          m.ratio === undefined ? '' : `${formatNumber(m.ratio)}×`
        } | ${formatTarget(m.target)}${verdict} |`,
      );
    }
  }
  return lines.join('\n');
}

function delta(now: number | undefined, before: number | undefined): string {
  if (now === undefined || before === undefined || before === 0) return '';
  const pct = ((now - before) / Math.abs(before)) * 100;
  return `${pct >= 0 ? '+' : ''}${pct.toFixed(1)}%`;
}

/** Deltas of every metric present in both runs: value and ratio, before → now. */
export function formatComparison(
  results: readonly BenchResult[],
  previous: readonly BenchResult[],
): string {
  const before = new Map<string, Metric>();
  for (const r of previous) for (const m of r.metrics) before.set(`${r.name}\u0000${m.name}`, m);
  const rows: string[][] = [];
  for (const r of results) {
    for (const m of r.metrics) {
      const b = before.get(`${r.name}\u0000${m.name}`);
      if (!b) continue;
      rows.push([
        r.name,
        m.name,
        `${formatNumber(b.value)} → ${formatNumber(m.value)} ${m.unit}`,
        delta(m.value, b.value),
        m.ratio === undefined ? '' : `${formatNumber(b.ratio)}× → ${formatNumber(m.ratio)}×`,
        delta(m.ratio, b.ratio),
      ]);
    }
  }
  if (rows.length === 0) return 'no metric in common with the compared run';
  return renderTable(['benchmark', 'metric', 'value', 'Δ value', 'ratio', 'Δ ratio'], rows);
}
