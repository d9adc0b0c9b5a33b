/**
 * `listEvents`: REST catch-up over `GET /v1/events` — typed pages of `{cursor, event}` after a
 * cursor, and async iteration over every page. The cursor is the stream's `id:`, so a consumer
 * can page what it missed, then resume the stream from the page's `next` (see `openStream`'s
 * `catchUp`).
 */
import {
  type CauseFlowEvent,
  isEventName,
  type ValidationIssue,
  validateEvent,
} from '@causeflow/events';
import { CauseFlowStreamError, connectError, errorFromResponse, tokenError } from './errors.js';
import { type CommonStreamOptions, endpointUrl, resolveToken, withQuery } from './shared.js';
import type { StreamController } from './stream.js';

/** Path of the REST catch-up endpoint. */
export const EVENTS_PATH = '/v1/events';

/** Options of `listEvents`: the same server, token and filters as `openStream`. */
export interface ListEventsOptions
  extends Pick<
    CommonStreamOptions,
    'url' | 'token' | 'events' | 'incidentId' | 'signal' | 'fetch' | 'validate'
  > {
  /** Start strictly after this cursor; from the oldest retained event when absent. */
  readonly after?: string;
  /** Events per page, 1–1000 (the server's default is 100). */
  readonly limit?: number;
}

/** One event of a page with its cursor. */
export interface PagedEvent {
  readonly cursor: string;
  readonly event: CauseFlowEvent;
}

/** An item this client could not type: not a known event, or not matching its schema. */
export interface SkippedEvent {
  readonly cursor: string;
  readonly event: unknown;
  /** Empty for an event name this client does not know (a newer server). */
  readonly errors: readonly ValidationIssue[];
}

/** One page of `GET /v1/events`. */
export interface EventPage {
  /** Valid events, in order. */
  readonly events: readonly PagedEvent[];
  /** Items that were unknown or invalid (not in `events`); their cursors are still covered by `next`. */
  readonly skipped: readonly SkippedEvent[];
  /**
   * The cursor to pass as `after` (or `lastEventId`) to continue. On an empty log the server
   * sends its origin cursor (before the tenant's first event); absent only from older servers.
   */
  readonly next: string | undefined;
  readonly hasMore: boolean;
  /** True when `after` was unknown or trimmed: the page starts at the oldest retained event. */
  readonly reset: boolean;
}

/** The first page (await it), or every page from there on (`for await`). */
export type EventPages = Promise<EventPage> & AsyncIterable<EventPage>;

/**
 * Reads the tenant's retained events after a cursor. Await it for one page, or iterate it for
 * every page until the newest event.
 * @example
 * for await (const page of listEvents({ url, token, after: saved })) {
 *   for (const { cursor, event } of page.events) await handle(event), (saved = cursor);
 * }
 */
export function listEvents(options: ListEventsOptions): EventPages {
  const validate = options.validate ?? true;
  const fetchPage = async (after: string | undefined) =>
    classify(await fetchRawPage(options, after), validate);
  const first = fetchPage(options.after);
  // Iterating only is fine too: the first page's rejection is then seen by the loop.
  first.catch(() => {});
  const pages = async function* (): AsyncGenerator<EventPage> {
    let page = await first;
    yield page;
    while (page.hasMore && page.next !== undefined) {
      page = await fetchPage(page.next);
      yield page;
    }
  };
  return Object.assign(first, { [Symbol.asyncIterator]: () => pages() });
}

/** A page as received, its items checked for shape only. Internal (the stream's catch-up). */
export interface RawPage {
  readonly items: readonly { readonly cursor: string; readonly event: unknown }[];
  readonly next: string | undefined;
  readonly hasMore: boolean;
  readonly reset: boolean;
}

/** Fetches one page after `after`; 401 asks the token source once more; 404 is fatal. */
export async function fetchRawPage(
  options: ListEventsOptions,
  after: string | undefined,
): Promise<RawPage> {
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  const url = withQuery(endpointUrl(options.url, EVENTS_PATH), options, {
    after,
    limit: options.limit === undefined ? undefined : String(options.limit),
  });
  const get = async (): Promise<Response> => {
    const token = await resolveToken(options.token).catch((cause: unknown) => {
      throw tokenError(cause);
    });
    return fetchImpl(url, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      ...(options.signal ? { signal: options.signal } : {}),
    }).catch(async (cause: unknown) => {
      if (options.signal?.aborted) throw cause;
      throw await connectError(url, cause, fetchImpl);
    });
  };
  let res = await get();
  if (res.status === 401) {
    await res.body?.cancel().catch(() => {});
    res = await get();
  }
  if (res.status === 404) {
    await res.body?.cancel().catch(() => {});
    throw new CauseFlowStreamError(`${url.origin} has no ${EVENTS_PATH} (REST catch-up)`, {
      code: 'not_found',
      status: 404,
      fatal: true,
    });
  }
  if (!res.ok) throw await errorFromResponse(res);
  const body = await res.json().catch(() => undefined);
  return parsePage(body, after);
}

const badPage = (why: string) =>
  new CauseFlowStreamError(`the ${EVENTS_PATH} response is not a page: ${why}`, {
    code: 'bad_response',
  });

/** Checks the response's shape. */
function parsePage(body: unknown, after: string | undefined): RawPage {
  if (typeof body !== 'object' || body === null) throw badPage('not a JSON object');
  const { events, next, hasMore, reset } = body as Record<string, unknown>;
  if (!Array.isArray(events)) throw badPage('"events" is not an array');
  if (typeof hasMore !== 'boolean') throw badPage('"hasMore" is not a boolean');
  if (next !== undefined && next !== null && typeof next !== 'string') {
    throw badPage('"next" is not a string');
  }
  const items = (events as unknown[]).map((item) => {
    const { cursor, event } = (item ?? {}) as { cursor?: unknown; event?: unknown };
    if (typeof cursor !== 'string' || cursor === '') throw badPage('an item has no "cursor"');
    return { cursor, event };
  });
  const last = items.at(-1)?.cursor;
  return {
    items,
    next: typeof next === 'string' ? next : (last ?? (reset === true ? undefined : after)),
    hasMore,
    reset: reset === true,
  };
}

/** Types (and validates) each item of a page. */
function classify(page: RawPage, validate: boolean): EventPage {
  const events: PagedEvent[] = [];
  const skipped: SkippedEvent[] = [];
  for (const { cursor, event } of page.items) {
    const name = (event as { event?: unknown } | null)?.event;
    if (typeof name !== 'string' || !isEventName(name)) {
      skipped.push({ cursor, event, errors: [] });
      continue;
    }
    const result = validate ? validateEvent(event, { mode: 'tolerant' }) : undefined;
    if (result && !result.ok) skipped.push({ cursor, event, errors: result.errors });
    else events.push({ cursor, event: event as CauseFlowEvent });
  }
  return { events, skipped, next: page.next, hasMore: page.hasMore, reset: page.reset };
}

/** Largest page the catch-up asks for (the contract's bound). */
const CATCH_UP_PAGE = 1000;

/**
 * The stream's REST catch-up: pages after the stream's cursor and feeds every item to the stream
 * as if it had arrived as a frame (same validation, handlers and cursor), waiting for slow
 * iterators between pages. Leaves the stream's cursor at the last page's `next`.
 */
export async function catchUpOverRest(
  options: CommonStreamOptions,
  controller: StreamController,
): Promise<void> {
  const { signal } = controller;
  for (;;) {
    const page = await fetchRawPage(
      { ...options, signal, limit: CATCH_UP_PAGE },
      controller.lastEventId,
    );
    if (signal.aborted) return;
    if (page.reset) {
      controller.message({
        event: 'stream.reset',
        data: JSON.stringify({
          reason: 'unknown_cursor',
          lastEventId: controller.lastEventId ?? '',
          message:
            'the cursor is unknown or older than the retention: catching up from the oldest retained event',
        }),
      });
    }
    for (const { cursor, event } of page.items) {
      const name = (event as { event?: unknown } | null)?.event;
      controller.message({
        ...(typeof name === 'string' ? { event: name } : {}),
        id: cursor,
        data: JSON.stringify(event),
      });
    }
    // An empty log after a reset: no cursor to resume from, the stream starts live.
    if (page.next !== undefined || page.reset) controller.cursor(page.next);
    await controller.drained();
    if (!page.hasMore || page.items.length === 0) return;
  }
}
