/**
 * Pieces both transports share: the options common to them, token resolution, endpoint URLs,
 * the idle watchdog and an abortable sleep.
 */
import type { EventPattern } from '@causeflow/events';
import type { BackoffOptions } from './backoff.js';

/** A bearer token, or a function asked for one on every connect (to refresh it). */
export type TokenSource = string | (() => string | Promise<string>);

/** Options shared by `openStream` and `openEventSourceWithTicket`. */
export interface CommonStreamOptions {
  /** Server base URL (`https://api.example.com`); a full `…/v1/notifications/stream` URL works too. */
  readonly url: string | URL;
  readonly token: TokenSource;
  /** Event names and domain wildcards (`incident.*`), checked at compile time; all events when absent. */
  readonly events?: readonly EventPattern[];
  /** Only the events of this incident. */
  readonly incidentId?: string;
  /** Resume after this cursor (replay, then live). */
  readonly lastEventId?: string;
  /**
   * First page through `GET /v1/events` after `lastEventId` (from the oldest retained event when
   * absent), then stream live from the last cursor read: no gap, no duplicate at the switch.
   * For a consumer that was away longer than the stream's replay should carry. Default false.
   */
  readonly catchUp?: boolean;
  /** Aborting it closes the stream. */
  readonly signal?: AbortSignal;
  /** Check events against the schemas (default true). */
  readonly validate?: boolean;
  /** The server's heartbeat interval; the stream reconnects after 2.5× without a message. Default 30000. */
  readonly heartbeatMs?: number;
  readonly backoff?: Partial<BackoffOptions>;
  /** The fetch to use (default: the global one). */
  readonly fetch?: typeof fetch;
}

/** Path of the stream endpoint. */
export const STREAM_PATH = '/v1/notifications/stream';
/** Path of the ticket endpoint. */
export const TICKETS_PATH = '/v1/notifications/tickets';

/**
 * Resolves `path` against the server base URL, keeping a path prefix (`https://h/api` →
 * `https://h/api/v1/…`); a URL that already names the stream endpoint is reduced to its base.
 * @example
 * endpointUrl('http://127.0.0.1:8080', STREAM_PATH).href; // 'http://127.0.0.1:8080/v1/notifications/stream'
 */
export function endpointUrl(base: string | URL, path: string): URL {
  const url = new URL(base);
  let prefix = url.pathname.replace(/\/+$/, '');
  if (prefix.endsWith(STREAM_PATH)) prefix = prefix.slice(0, -STREAM_PATH.length);
  url.pathname = `${prefix}${path}`;
  url.search = '';
  url.hash = '';
  return url;
}

/** Adds `events`, `incidentId` and extra parameters to a URL's query. */
export function withQuery(
  url: URL,
  options: CommonStreamOptions,
  extra: Record<string, string | undefined> = {},
): URL {
  const out = new URL(url);
  if (options.events && options.events.length > 0)
    out.searchParams.set('events', options.events.join(','));
  if (options.incidentId !== undefined) out.searchParams.set('incidentId', options.incidentId);
  for (const [key, value] of Object.entries(extra))
    if (value !== undefined) out.searchParams.set(key, value);
  return out;
}

/** Closes `stream` when `signal` aborts (at once if it already has); forgets the signal once closed. */
export function closeOnAbort(
  stream: { close(): void; readonly finished: Promise<unknown> },
  signal?: AbortSignal,
): void {
  if (!signal) return;
  if (signal.aborted) {
    stream.close();
    return;
  }
  const onAbort = () => stream.close();
  signal.addEventListener('abort', onAbort, { once: true });
  void stream.finished.then(() => signal.removeEventListener('abort', onAbort));
}

/** Returns the token, calling the function form. */
export async function resolveToken(token: TokenSource): Promise<string> {
  return typeof token === 'function' ? await token() : token;
}

/** Resolves after `ms`, or early when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** An idle timer: `kick()` restarts it (also after `stop()`); `onIdle` runs when `ms` pass without a kick. */
export interface Watchdog {
  kick(): void;
  stop(): void;
}

/** Checks per idle window: idleness is noticed between `ms` and `ms · (1 + 1/TICKS)` after the last kick. */
const TICKS = 5;

/**
 * Creates and starts an idle watchdog. `kick()` runs once per frame, so it only counts: a timer
 * ticks `TICKS` times per window and calls `onIdle` after a whole window of ticks without a kick.
 * @example
 * const dog = createWatchdog(75_000, () => connection.abort()); // kick() on every message
 */
export function createWatchdog(ms: number, onIdle: () => void): Watchdog {
  let kicks = 0;
  let seen = 0;
  let quietTicks = 0;
  let timer: ReturnType<typeof setInterval> | undefined;
  const tick = () => {
    if (kicks !== seen) {
      seen = kicks;
      quietTicks = 0;
      return;
    }
    quietTicks += 1;
    if (quietTicks >= TICKS) {
      clearInterval(timer);
      timer = undefined;
      onIdle();
    }
  };
  const start = () => {
    quietTicks = 0;
    seen = kicks;
    timer = setInterval(tick, ms / TICKS);
  };
  start();
  return {
    kick: () => {
      kicks += 1;
      if (timer === undefined) start();
    },
    stop: () => {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
