/**
 * Helpers of the REST catch-up tests: `GET /v1/events` over real HTTP, typed loosely (the body is
 * checked by the tests), and paging until a predicate holds.
 */
import type { EventsPage } from '../src/routes/events.js';

/** The scope `GET /v1/events` requires. */
export const READ_SCOPE = 'events:read';

/** An answer of `GET /v1/events`. */
export interface EventsAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: EventsPage & { error?: { code: string; message: string } };
}

/** `GET {url}/v1/events?{query}` with a bearer token (none when `token` is undefined). */
export async function getEvents(
  url: string,
  token: string | undefined,
  query: Record<string, string> | string = {},
): Promise<EventsAnswer> {
  const search = typeof query === 'string' ? query : new URLSearchParams(query).toString();
  const res = await fetch(`${url}/v1/events${search === '' ? '' : `?${search}`}`, {
    headers: token === undefined ? {} : { Authorization: `Bearer ${token}` },
  });
  return {
    status: res.status,
    headers: res.headers,
    body: (await res.json()) as EventsAnswer['body'],
  };
}

/** A page that must be a 200; throws with the body otherwise. */
export async function page(
  url: string,
  token: string,
  query: Record<string, string> = {},
): Promise<EventsPage> {
  const answer = await getEvents(url, token, query);
  if (answer.status !== 200) {
    throw new Error(`GET /v1/events answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  }
  return answer.body;
}

/**
 * Pages from `after` (passing each `next` on) until `done(items so far)` holds; returns every item
 * and the last page. `pick` chooses the server: pages alternate over several when given an array.
 */
export async function pageUntil(options: {
  urls: readonly string[];
  token: string;
  after?: string | null;
  query?: Record<string, string>;
  done: (items: EventsPage['events']) => boolean;
  maxPages?: number;
}): Promise<{ items: EventsPage['events'][number][]; last: EventsPage; pages: number }> {
  const items: EventsPage['events'][number][] = [];
  let after = options.after ?? null;
  for (let n = 0; n < (options.maxPages ?? 10_000); n++) {
    const url = options.urls[n % options.urls.length]!;
    const query = { ...options.query, ...(after === null ? {} : { after }) };
    const p = await page(url, options.token, query);
    items.push(...p.events);
    after = p.next;
    if (options.done(items)) return { items, last: p, pages: n + 1 };
  }
  throw new Error(`gave up after ${options.maxPages} pages with ${items.length} items`);
}
