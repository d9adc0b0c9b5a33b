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
