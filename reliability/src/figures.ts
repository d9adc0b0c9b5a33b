/**
 * Figures: the numbers a check reports. A test attaches them to its task meta; the reporter
 * (src/reporter.ts) collects them from every test, prints the table and writes results/*.json.
 */
import type { TestContext } from 'vitest';

/** One reported figure: a headline plus the raw numbers behind it. */
export interface Figure {
  /** Section of the suite, e.g. `Auth`. */
  readonly check: string;
  /** What was measured, e.g. `JWT attacks`. */
  readonly name: string;
  /** The headline, e.g. `48 tried, 0 accepted`. */
  readonly summary: string;
  /** The numbers behind the headline (counts, ms, bytes). */
  readonly data: Readonly<Record<string, unknown>>;
}

declare module 'vitest' {
  interface TaskMeta {
    figures?: Figure[];
  }
}

/**
 * Attaches a figure to the running test.
 * @example
 * report(ctx, { check: 'Auth', name: 'JWT attacks', summary: `${tried} tried, ${accepted} accepted`, data: { tried, accepted } });
 */
export function report(ctx: Pick<TestContext, 'task'>, figure: Figure): void {
  const meta = ctx.task.meta;
  meta.figures = [...(meta.figures ?? []), figure];
}

/** The value at quantile `q` (0..1) of `values` (nearest rank); NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/** Formats bytes as MiB with one decimal. */
export function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
