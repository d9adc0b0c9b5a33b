import { EVENT_NAMES } from './generated/catalog.js';
import type { EventName } from './generated/types.js';

type DomainOf<N extends string> = N extends `${infer D}.${string}` ? D : never;

/** The domain part of a catalog event name: `incident`, `remediation`, `trigger`, … */
export type EventDomain = DomainOf<EventName>;

/**
 * What an `events` filter accepts: a catalog event name or a domain wildcard (`incident.*`).
 * A typo is a compile error: `const p: EventPattern = 'remediation.aproved'` does not compile.
 */
export type EventPattern = EventName | `${EventDomain}.*`;

/** A compiled `events=` filter: the exact set of event names it lets through. */
export interface EventFilter {
  readonly names: ReadonlySet<EventName>;
  matches(name: string): boolean;
}

/** The result of `parseEventFilter`: a filter, or the patterns that match no event. */
export type EventFilterResult =
  | { readonly ok: true; readonly filter: EventFilter }
  | { readonly ok: false; readonly unknown: readonly string[] };

/**
 * The catalog names one pattern matches: the name itself, or for `<domain>.*` every name that
 * starts with `<domain>.` (the dot included, so `user.*` never matches `users.created`).
 */
export function namesMatching<N extends string>(pattern: string, catalog: readonly N[]): N[] {
  if (!pattern.endsWith('.*')) return catalog.filter((n) => n === pattern);
  const prefix = pattern.slice(0, -1);
  return catalog.filter((n) => n.startsWith(prefix));
}

/** True when `value` is an event name of the catalog or a wildcard of one of its domains. */
export function isEventPattern(value: unknown): value is EventPattern {
  return typeof value === 'string' && namesMatching(value, EVENT_NAMES).length > 0;
}

/**
 * Parses event patterns: exact names (`incident.created`) and domain wildcards (`incident.*`,
 * every event whose name starts with `incident.`). A list is typed (`EventPattern[]`: a typo is
 * a compile error); a string (a query parameter, a CLI flag) is split on commas, blanks ignored,
 * and checked at run time. A pattern that matches no event in the catalog is reported as unknown.
 * @example
 * const r = parseEventFilter(['incident.*', 'remediation.approved']);
 * if (r.ok) r.filter.matches('incident.created'); // true
 * parseEventFilter(ctx.query.events); // text: unknown names come back in r.unknown
 */
export function parseEventFilter(input: readonly EventPattern[]): EventFilterResult;
export function parseEventFilter(input: string): EventFilterResult;
export function parseEventFilter(input: string | readonly EventPattern[]): EventFilterResult {
  const patterns = (typeof input === 'string' ? input.split(',') : input)
    .map((p) => p.trim())
    .filter(Boolean);
  const names = new Set<EventName>();
  const unknown: string[] = [];
  for (const pattern of patterns) {
    const matched = namesMatching(pattern, EVENT_NAMES);
    if (matched.length === 0) unknown.push(pattern);
    for (const n of matched) names.add(n);
  }
  if (unknown.length > 0) return { ok: false, unknown };
  return { ok: true, filter: { names, matches: (name: string) => names.has(name as EventName) } };
}
