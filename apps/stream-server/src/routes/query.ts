/**
 * Query parameters shared by every route that reads the tenant's events (the SSE stream and the
 * REST catch-up `GET /v1/events`): the `events=` / `incidentId=` filters and cursor checks. One
 * copy, so both channels accept the same filters and answer the same errors.
 */
import type { StoredEvent } from '@causeflow/bus';
import { ID_PATTERNS, parseEventFilter } from '@causeflow/events';
import type { Context } from 'koa';
import type { EventPredicate } from '../connection.js';
import { StreamServerError } from '../errors.js';

const INCIDENT_ID_PATTERN = ID_PATTERNS.IncidentId;

/** Longest cursor accepted from a client (ours are far shorter). */
export const MAX_CURSOR_LENGTH = 512;

/**
 * The query parameter `name` as one string (repeated parameters joined with `,`), or `undefined`.
 * @example queryValue(ctx, 'events'); // 'incident.*,user.created'
 */
export function queryValue(ctx: Context, name: string): string | undefined {
  const value = ctx.query[name];
  if (Array.isArray(value)) return value.join(',');
  return value;
}

function unknownEvents(unknown: readonly string[]): StreamServerError {
  return new StreamServerError(
    400,
    'unknown_event',
    `unknown event name(s) in events=: ${unknown.join(', ')}`,
    {
      details: unknown.map((pattern) => ({ pattern, message: 'matches no event in the catalog' })),
    },
  );
}

/**
 * Builds the predicate for `events=` and `incidentId=` (both apply together); `undefined` when
 * neither is given, so callers can skip matching. Throws 400 `unknown_event` (every unknown name
 * listed) or 400 `invalid_incident_id`.
 * @example
 * const filter = parseFilters(ctx); // ?events=incident.*&incidentId=inc_42
 * const wanted = filter === undefined || filter(stored);
 */
export function parseFilters(ctx: Context): EventPredicate | undefined {
  const events = queryValue(ctx, 'events');
  let names: ((name: string) => boolean) | undefined;
  if (events !== undefined && events.trim() !== '') {
    const parsed = parseEventFilter(events);
    if (!parsed.ok) throw unknownEvents(parsed.unknown);
    names = parsed.filter.matches;
  }
  const incidentId = queryValue(ctx, 'incidentId');
  if (incidentId !== undefined && !INCIDENT_ID_PATTERN.test(incidentId)) {
    throw new StreamServerError(
      400,
      'invalid_incident_id',
      'incidentId= must be an incident id like inc_…',
    );
  }
  if (names === undefined && incidentId === undefined) return undefined;
  if (incidentId === undefined) return (stored: StoredEvent) => names!(stored.event.event);
  return (stored: StoredEvent) => {
    if (names !== undefined && !names(stored.event.event)) return false;
    const data = stored.event.data as { incidentId?: unknown };
    return data.incidentId === incidentId;
  };
}

/**
 * True when `value` could be a cursor this server issued: at most `MAX_CURSOR_LENGTH` characters,
 * no control characters. Whether the log knows it is the log's answer (`unknown_cursor`).
 * @example if (!isPlausibleCursor(after)) throw new StreamServerError(400, 'invalid_cursor', '…');
 */
export function isPlausibleCursor(value: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  return value.length <= MAX_CURSOR_LENGTH && !/[\u0000-\u001f]/.test(value);
}
