/**
 * The events benchmarks publish: the catalog's own examples (all 20 kinds, so sizes are realistic),
 * re-addressed to a bench tenant, with an `id` that carries the tenant index and a per-tenant
 * sequence number. Receivers check `seq === previous + 1`: a loss, duplicate or reordering shows.
 */
import { EVENT_NAMES, eventCatalog } from '@causeflow/events';

const examples: readonly Record<string, unknown>[] = EVENT_NAMES.map((name) => {
  const example = eventCatalog[name].examples[0];
  if (!example) throw new Error(`the catalog has no example for ${name}`);
  return example as unknown as Record<string, unknown>;
});

/** The tenant id of bench tenant `index` in the run tagged `runTag` (fresh keys in Redis). */
export function benchTenantId(runTag: string, index: number): string {
  return `ten_bench_${runTag}_${index}`;
}

/** A short tag unique to this run, usable in ids (`[A-Za-z0-9]`). */
export function newRunTag(): string {
  return `${Date.now().toString(36)}${Math.floor(Math.random() * 36 ** 4).toString(36)}`;
}

/**
 * A valid event for tenant `tenantIndex`, sequence number `seq` (from 1); its kind rotates
 * through the catalog.
 */
export function benchEvent(
  runTag: string,
  tenantIndex: number,
  seq: number,
): Record<string, unknown> {
  const example = examples[seq % examples.length]!;
  return {
    ...example,
    id: `evt_b${tenantIndex}_${seq}_${runTag}`,
    tenantId: benchTenantId(runTag, tenantIndex),
    timestamp: new Date().toISOString(),
  };
}

/** Matches the id of a bench event inside a serialised frame: tenant index and sequence. */
export const BENCH_ID_PATTERN = /"id":"evt_b(\d+)_(\d+)_/g;

/** The catalog examples, one per event kind. */
export function catalogExamples(): readonly Record<string, unknown>[] {
  return examples;
}
