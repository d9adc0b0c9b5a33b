/**
 * How events relate: the incident lifecycle order, and events of the same domain.
 * The lifecycle is the documented story of one incident; events missing from the schema set
 * are skipped, so the docs never link to a page that does not exist.
 */
import { lifecycleOrder } from './lifecycle.js';

/**
 * The incident lifecycle, one step per entry; a step with several events lists alternatives
 * (a remediation is approved *or* rejected). Derived from `INCIDENT_LIFECYCLE` of
 * @causeflow/events (what the simulator walks) by {@link lifecycleOrder}.
 */
export const LIFECYCLE_ORDER: readonly (readonly string[])[] = lifecycleOrder();

/** The minimum an event needs for relations: its name and domain key. */
export interface EventRef {
  readonly name: string;
  readonly domain: string;
}

/** Where an event sits in the lifecycle and which events are related to it. */
export interface RelatedEvents {
  /** Present when the event is part of the incident lifecycle. */
  readonly lifecycle?: {
    /** 1-based step number among the steps present in the schema set. */
    readonly step: number;
    readonly steps: number;
    readonly previous: readonly string[];
    readonly next: readonly string[];
    /** Other events of the same step (approved ↔ rejected). */
    readonly alternatives: readonly string[];
  };
  /** Other events of the same domain, in the given order. */
  readonly sameDomain: readonly string[];
}

/**
 * The lifecycle steps restricted to events that exist, empty steps dropped.
 * @example lifecycleSteps(['incident.created', 'remediation.approved']);
 * // [['incident.created'], ['remediation.approved']]
 */
export function lifecycleSteps(names: Iterable<string>): string[][] {
  const known = new Set(names);
  return LIFECYCLE_ORDER.map((step) => step.filter((n) => known.has(n))).filter(
    (step) => step.length > 0,
  );
}

/**
 * The events related to `name`: its neighbours in the incident lifecycle and the other events
 * of its domain.
 * @example relatedEvents('remediation.approved', events).lifecycle?.next; // ['remediation.executed']
 */
export function relatedEvents(name: string, events: readonly EventRef[]): RelatedEvents {
  const self = events.find((e) => e.name === name);
  const sameDomain = self
    ? events.filter((e) => e.domain === self.domain && e.name !== name).map((e) => e.name)
    : [];
  const steps = lifecycleSteps(events.map((e) => e.name));
  const index = steps.findIndex((step) => step.includes(name));
  if (index < 0) return { sameDomain };
  return {
    lifecycle: {
      step: index + 1,
      steps: steps.length,
      previous: steps[index - 1] ?? [],
      next: steps[index + 1] ?? [],
      alternatives: steps[index]!.filter((n) => n !== name),
    },
    sameDomain,
  };
}

/**
 * Orders events for the catalog: domains in the given order, and within a domain the lifecycle
 * events first (in lifecycle order), then the others by name.
 */
export function groupByDomain<E extends EventRef>(
  events: readonly E[],
  domains: readonly { readonly key: string }[],
): { key: string; events: E[] }[] {
  const order = new Map(LIFECYCLE_ORDER.flat().map((n, i) => [n, i]));
  const rank = (e: E) => order.get(e.name) ?? Number.MAX_SAFE_INTEGER;
  const sorted = (list: E[]) =>
    list.sort((a, b) => rank(a) - rank(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const known = new Set(domains.map((d) => d.key));
  const groups = domains.map((d) => ({
    key: d.key,
    events: sorted(events.filter((e) => e.domain === d.key)),
  }));
  const orphans = sorted(events.filter((e) => !known.has(e.domain)));
  if (orphans.length > 0) groups.push({ key: '', events: orphans });
  return groups.filter((g) => g.events.length > 0);
}
