/**
 * JSON error answers for requests that never reach Koa: what Node's HTTP parser refuses
 * (`clientError`), request and header timeouts, a missing, repeated or malformed `Host`
 * (RFC 9112 §3.2) and an `Expect` other than `100-continue` (RFC 9110 §10.1.1). Each answer has the
 * same body as the error middleware's, `{"error":{"code","message"}}`, and closes the connection.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorBody } from './middleware/errors.js';

interface RawError {
  readonly status: number;
  readonly reason: string;
  readonly code: string;
  readonly message: string;
}

const HEADERS_TOO_LARGE: RawError = {
  status: 431,
  reason: 'Request Header Fields Too Large',
  code: 'headers_too_large',
  message: 'request headers exceed the server limit',
};
const REQUEST_TIMEOUT: RawError = {
  status: 408,
  reason: 'Request Timeout',
  code: 'request_timeout',
  message: 'the request (headers and body) was not received in time',
};
const BAD_REQUEST: RawError = {
  status: 400,
  reason: 'Bad Request',
  code: 'bad_request',
  message: 'malformed HTTP request',
};

function errorBody(error: RawError): string {
  const body: ErrorBody = { error: { code: error.code, message: error.message } };
  return JSON.stringify(body);
}

/**
 * The raw HTTP/1.1 response (status line, headers, JSON body) to a request Node could not parse
 * or did not receive in time, keyed by the `clientError` error's `code`: 431 for
 * `HPE_HEADER_OVERFLOW`, 408 for `ERR_HTTP_REQUEST_TIMEOUT`, else 400 `bad_request`.
 * @example
 * server.on('clientError', (error, socket) => socket.end(clientErrorResponse(error.code)));
 */
export function clientErrorResponse(code: string | undefined): string {
  const error =
    code === 'HPE_HEADER_OVERFLOW'
      ? HEADERS_TOO_LARGE
      : code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? REQUEST_TIMEOUT
        : BAD_REQUEST;
  const body = errorBody(error);
  return (
    `HTTP/1.1 ${error.status} ${error.reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  );
}

function sendJson(res: ServerResponse, status: number, code: string, message: string): void {
  const body = errorBody({ status, reason: '', code, message });
  res.shouldKeepAlive = false;
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    Connection: 'close',
  });
  res.end(body);
}

/** uri-host (IP-literal, IPv4 or reg-name) with an optional port (RFC 9110 §7.2, RFC 3986 §3.2.2). */
const HOST_VALUE = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~%!$&'()*+,;=]+)(?::\d{0,5})?$/;

/** Why the request's `Host` is unacceptable, or `undefined` when it is fine. */
function hostProblem(req: IncomingMessage): string | undefined {
  const raw = req.rawHeaders;
  const values: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() === 'host') values.push(raw[i + 1]!);
  }
  if (values.length > 1) return 'the request has more than one Host header';
  const [value] = values;
  if (value === undefined) {
    // HTTP/1.0 requests may omit Host; HTTP/1.1 ones must send it.
    return req.httpVersionMajor === 1 && req.httpVersionMinor === 0
      ? undefined
      : 'the request has no Host header';
  }
  return HOST_VALUE.test(value) ? undefined : 'the Host header is not a valid host[:port]';
}

/**
 * Answers 400 `bad_request` (JSON, connection closed) to an HTTP/1.1 request with no `Host`, with
 * more than one, or with an invalid one, as RFC 9112 §3.2 requires. Returns true when it answered.
 * Node's own check (`requireHostHeader`) answers with an empty body, so it is turned off.
 * @example
 * if (refuseBadHost(req, res)) return;
 */
export function refuseBadHost(req: IncomingMessage, res: ServerResponse): boolean {
  const problem = hostProblem(req);
  if (problem === undefined) return false;
  sendJson(res, 400, 'bad_request', problem);
  return true;
}

/**
 * The `checkExpectation` handler: any `Expect` other than `100-continue` gets 417
 * `expectation_failed` as JSON (Node's default answer has an empty body).
 * @example
 * server.on('checkExpectation', refuseExpectation);
 */
export function refuseExpectation(req: IncomingMessage, res: ServerResponse): void {
  sendJson(
    res,
    417,
    'expectation_failed',
    'the only expectation this server meets is Expect: 100-continue',
  );
  req.resume();
}
