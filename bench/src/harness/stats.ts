/** Small statistics helpers: percentiles, medians and metric construction. */
import type { Metric, Target } from './types.js';

/** The p-th percentile (0–100) of `values` by nearest rank; NaN for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** The median of `values`; NaN for an empty list. */
export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Whether `value` meets `target` relative to `baseline`. */
export function meetsTarget(
  target: Target,
  value: number,
  baseline: number,
  better: 'lower' | 'higher',
): boolean {
  if (target.kind === 'delta') return value - baseline <= target.max;
  const ratio = value / baseline;
  if (target.max !== undefined && !(ratio <= target.max)) return false;
  if (target.min !== undefined && !(ratio >= target.min)) return false;
  return better === 'lower' || target.min !== undefined || target.max !== undefined;
}

/** Builds a metric, computing the ratio and whether the target is met. */
export function metric(input: {
  name: string;
  unit: string;
  value: number;
  baseline?: number;
  baselineLabel?: string;
  better: 'lower' | 'higher';
  target?: Target;
}): Metric {
  const { baseline, target } = input;
  const hasBaseline = baseline !== undefined && Number.isFinite(baseline);
  const ratio = hasBaseline && baseline !== 0 ? input.value / baseline : undefined;
  const met =
    target && hasBaseline ? meetsTarget(target, input.value, baseline, input.better) : undefined;
  return {
    ...input,
    ...(ratio !== undefined ? { ratio } : {}),
    ...(met !== undefined ? { met } : {}),
  };
}
