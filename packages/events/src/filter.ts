import { EVENT_NAMES } from './generated/catalog.js';
import type { EventName } from './generated/types.js';

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
 * Parses event patterns: exact names (`incident.created`) and prefix wildcards (`incident.*`,
 * matching every event whose name starts with `incident.`). A string is split on commas;
 * blanks are ignored. A pattern that matches no event in the catalog is reported as unknown.
 * @example
 * const r = parseEventFilter('incident.*,remediation.approved');
 * if (r.ok) r.filter.matches('incident.created'); // true
 */
export function parseEventFilter(input: string | readonly string[]): EventFilterResult {
  const patterns = (typeof input === 'string' ? input.split(',') : input)
    .map((p) => p.trim())
    .filter(Boolean);
  const names = new Set<EventName>();
  const unknown: string[] = [];
  for (const pattern of patterns) {
    const matched = pattern.endsWith('.*')
      ? EVENT_NAMES.filter((n) => n.startsWith(pattern.slice(0, -1)))
      : EVENT_NAMES.filter((n) => n === pattern);
    if (matched.length === 0) unknown.push(pattern);
    for (const n of matched) names.add(n);
  }
  if (unknown.length > 0) return { ok: false, unknown };
  return { ok: true, filter: { names, matches: (name: string) => names.has(name as EventName) } };
}
