/**
 * The one error class of @causeflow/client: an HTTP status when there was a response, a stable
 * `code` (from the server's JSON error body when it sent one), and the underlying `cause`.
 */

import { parseRetryAfter } from './backoff.js';

/** Codes the client itself assigns; a server-sent `error.code` is passed through as is. */
export type StreamErrorCode =
  | 'unauthorized'
  | 'forbidden'
  | 'bad_request'
  | 'rate_limited'
  | 'http_error'
  | 'bad_response'
  | 'network_error'
  | 'origin_not_allowed'
  | 'heartbeat_timeout'
  | 'token_error'
  | 'handler_error'
  | 'internal'
  | (string & {});

/**
 * A stream failure. `fatal` errors (400, 403) close the stream; the others are reported on the
 * `error` handler and followed by a reconnect.
 * @example
 * stream.on('error', (err) => { if (err.fatal) log.error({ status: err.status, code: err.code }); });
 */
export class CauseFlowStreamError extends Error {
  /** HTTP status of the response that failed, when there was one. */
  readonly status: number | undefined;
  readonly code: StreamErrorCode;
  /** True when the stream stopped for good because of this error. */
  readonly fatal: boolean;
  /** The server's `Retry-After` (429, 503) in ms, when it sent one. */
  readonly retryAfterMs: number | undefined;

  constructor(
    message: string,
    options: {
      code: StreamErrorCode;
      status?: number;
      fatal?: boolean;
      retryAfterMs?: number;
      cause?: unknown;
    },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CauseFlowStreamError';
    this.code = options.code;
    this.status = options.status;
    this.fatal = options.fatal ?? false;
    this.retryAfterMs = options.retryAfterMs;
  }
}

const CODE_BY_STATUS: Readonly<Record<number, StreamErrorCode>> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  429: 'rate_limited',
};

/**
 * Builds the error for a non-2xx response, reading the contract's `{"error":{"code","message"}}`
 * body when present. 400 and 403 are fatal: retrying cannot fix them.
 * @example
 * if (!res.ok) throw await errorFromResponse(res);
 */
export async function errorFromResponse(res: Response): Promise<CauseFlowStreamError> {
  let code: StreamErrorCode = CODE_BY_STATUS[res.status] ?? 'http_error';
  let message = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
  try {
    const text = await res.text();
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.code === 'string') code = body.error.code;
    if (typeof body.error?.message === 'string') message = `${message}: ${body.error.message}`;
  } catch {
    // not the JSON error body of the contract: keep the status-derived code
  }
  const retryAfterMs =
    res.status === 429 || res.status === 503
      ? parseRetryAfter(res.headers.get('retry-after'))
      : undefined;
  return new CauseFlowStreamError(message, {
    code,
    status: res.status,
    fatal: res.status === 400 || res.status === 403,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
}

/**
 * The error for a token function that failed. A `CauseFlowStreamError` it threw is kept as is,
 * so a token source can stop the stream for good by throwing one with `fatal: true`.
 */
export function tokenError(cause: unknown): CauseFlowStreamError {
  if (cause instanceof CauseFlowStreamError) return cause;
  return new CauseFlowStreamError('the token function failed', { code: 'token_error', cause });
}

/** Where this code runs, when it is a page (or worker) with an origin of its own. */
function pageOrigin(): string | undefined {
  const origin = (globalThis as { location?: { origin?: unknown } }).location?.origin;
  return typeof origin === 'string' && origin !== 'null' ? origin : undefined;
}

/**
 * The error for a request that got no response. In a browser calling another origin, a CORS
 * refusal looks exactly like a server that is down; a `no-cors` probe tells them apart: when the
 * server answers it, the request was refused by CORS, so the page's origin is probably not allowed.
 */
export async function connectError(
  url: URL,
  cause: unknown,
  fetchImpl: typeof fetch,
): Promise<CauseFlowStreamError> {
  const origin = pageOrigin();
  if (origin !== undefined && origin !== url.origin) {
    const reachable = await fetchImpl(url, { method: 'HEAD', mode: 'no-cors' }).then(
      () => true,
      () => false,
    );
    if (reachable) {
      return new CauseFlowStreamError(
        `${url.origin} answered, but refused this page's origin ${origin}: the origin is probably not allowed (add it to the server's CORS_ORIGINS)`,
        { code: 'origin_not_allowed', cause },
      );
    }
  }
  return new CauseFlowStreamError(`cannot connect to ${url.origin}`, {
    code: 'network_error',
    cause,
  });
}
