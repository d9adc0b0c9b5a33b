/**
 * `GET /v1/events`: REST catch-up. Pages of the tenant's retained events after a cursor, the same
 * cursor the stream sends as `id:` and takes back as `Last-Event-ID`, so a consumer can move
 * between the stream and REST without a gap or a duplicate.
 *
 * Cost: one range read of the log per page (`limit + 1` events, the extra one answers `hasMore`).
 * With filters the read is a bounded scan (`FILTERED_SCAN_BUDGET` events, at least `limit`): a
 * page may hold fewer than `limit` items, or none, with `hasMore: true`, and its `next` is the
 * cursor of the last event scanned, so the following page never rescans what was skipped.
 * An empty log answers the origin cursor as `next` (the place before the tenant's first event).
 * A reset (`after` unknown or trimmed) costs one more read, from the oldest retained event.
 */
import { BusUnavailableError, type EventLog, type StoredEvent } from '@causeflow/bus';
import type { Context, Middleware } from 'koa';
import type { EventPredicate } from '../connection.js';
import { StreamServerError } from '../errors.js';
import type { AuthState } from '../middleware/auth.js';
import type { Services } from '../services.js';
import { isPlausibleCursor, parseFilters, queryValue } from './query.js';

/** Items per page when `limit=` is absent. */
export const DEFAULT_PAGE_LIMIT = 100;
/** The largest `limit=` accepted. */
export const MAX_PAGE_LIMIT = 1000;
/** Events a filtered page reads at most (never fewer than its `limit`). */
export const FILTERED_SCAN_BUDGET = 1000;

/** One item of a page: the event and its cursor. */
export interface PageItem {
  readonly cursor: string;
  readonly event: StoredEvent['event'];
}

/** The 200 body of `GET /v1/events`. */
export interface EventsPage {
  readonly events: readonly PageItem[];
  /**
   * The cursor to pass as `after` for the next page (or as `Last-Event-ID` to the stream): the
   * last event scanned; `after` itself when nothing followed it; the tenant's origin cursor
   * (before its first event, see `EventLog.originCursor`) when no event is retained and there is
   * no cursor to continue from. Never null.
   */
  readonly next: string;
  readonly hasMore: boolean;
  /** True when `after` was unknown or trimmed: the page starts at the oldest retained event. */
  readonly reset: boolean;
}

/** What `readPage` reads. */
export interface PageRequest {
  readonly tenantId: string;
  /** Start strictly after this cursor; `null`: from the oldest retained event. */
  readonly after: string | null;
  readonly limit: number;
  /** `undefined`: every event. */
  readonly filter?: EventPredicate | undefined;
  /** Events a filtered page reads at most; default `FILTERED_SCAN_BUDGET`. */
  readonly scanBudget?: number;
}

/** Takes up to `limit` matching events of `events`, scanning at most `budget` of them. */
function collect(
  events: readonly StoredEvent[],
  options: { start: string | null; limit: number; budget: number; filter?: EventPredicate },
): Pick<EventsPage, 'events' | 'hasMore'> & { next: string | null } {
  const { limit, budget, filter } = options;
  const items: PageItem[] = [];
  let next = options.start;
  let full = false;
  const scanned = Math.min(events.length, budget);
  for (let i = 0; i < scanned; i++) {
    const stored = events[i]!;
    if (filter === undefined || filter(stored)) {
      // A match beyond the page: stop before it, so `next` keeps it for the following page.
      if (items.length === limit) {
        full = true;
        break;
      }
      items.push({ cursor: stored.cursor, event: stored.event });
    }
    next = stored.cursor;
  }
  return { events: items, next, hasMore: full || events.length > budget };
}

/**
 * Reads one page of the tenant's events after `after` with one range read of the log (two on a
 * reset; one origin-cursor lookup when nothing is retained). Throws what the log throws
 * (`BusUnavailableError`).
 * @example
 * const page = await readPage(log, { tenantId: 'ten_acme', after: null, limit: 100 });
 * const more = page.hasMore ? await readPage(log, { tenantId: 'ten_acme', after: page.next, limit: 100 }) : undefined;
 */
export async function readPage(log: EventLog, request: PageRequest): Promise<EventsPage> {
  const { tenantId, limit, filter } = request;
  const budget =
    filter === undefined ? limit : Math.max(limit, request.scanBudget ?? FILTERED_SCAN_BUDGET);
  let read = await log.readAfter(tenantId, request.after, budget + 1);
  let start = request.after;
  let reset = false;
  if (read.status !== 'ok') {
    reset = true;
    start = null;
    read = await log.readAfter(tenantId, null, budget + 1);
    if (read.status !== 'ok') {
      throw new Error(`reading from the oldest retained event answered ${read.status}`);
    }
  }
  const collected = collect(read.events, {
    start,
    limit,
    budget,
    ...(filter === undefined ? {} : { filter }),
  });
  // Nothing retained and no cursor to continue from: the origin cursor (before the tenant's first
  // event), so a consumer that found the log empty misses nothing appended after this read.
  const next = collected.next ?? (await log.originCursor(tenantId));
  return { ...collected, next, reset };
}

/** `limit=`: a whole number from 1 to `MAX_PAGE_LIMIT`; absent → `DEFAULT_PAGE_LIMIT`. */
function limitOf(ctx: Context): number {
  const value = queryValue(ctx, 'limit');
  if (value === undefined) return DEFAULT_PAGE_LIMIT;
  const limit = /^[0-9]{1,7}$/.test(value) ? Number(value) : Number.NaN;
  if (!(limit >= 1 && limit <= MAX_PAGE_LIMIT)) {
    throw new StreamServerError(
      400,
      'invalid_limit',
      `limit= must be a whole number from 1 to ${MAX_PAGE_LIMIT} (got ${JSON.stringify(value.slice(0, 32))})`,
    );
  }
  return limit;
}

/** `after=`: `null` when absent or empty; 400 for what cannot be a cursor. */
function afterOf(ctx: Context): string | null {
  const value = queryValue(ctx, 'after');
  if (value === undefined || value === '') return null;
  if (!isPlausibleCursor(value)) {
    throw new StreamServerError(400, 'invalid_cursor', 'after= is not a cursor this server issued');
  }
  return value;
}

/**
 * `GET /v1/events` (after `requireAuth` with scope `events:read`): a page of the token's tenant's
 * events after `after=`, filtered by `events=` / `incidentId=` exactly as the stream is.
 * 400 `invalid_limit`, `invalid_cursor`, `unknown_event`, `invalid_incident_id`; 503 `bus_unavailable`.
 * @example
 * { method: 'GET', path: '/v1/events', handler: [requireAuth(services, { scope: 'events:read' }), eventsRoute(services)] }
 */
export function eventsRoute(services: Pick<Services, 'log'>): Middleware<AuthState> {
  const { log } = services;
  return async function listEvents(ctx) {
    const { tenantId } = ctx.state.principal;
    const filter = parseFilters(ctx);
    const limit = limitOf(ctx);
    const after = afterOf(ctx);
    let page: EventsPage;
    try {
      page = await readPage(log, { tenantId, after, limit, filter });
    } catch (error) {
      if (
        error instanceof BusUnavailableError ||
        (error as Error)?.name === BusUnavailableError.name
      ) {
        throw new StreamServerError(503, 'bus_unavailable', 'the event log is unavailable', {
          headers: { 'Retry-After': '1' },
          cause: error,
        });
      }
      throw error;
    }
    ctx.set('Cache-Control', 'no-store');
    ctx.body = page;
  };
}
