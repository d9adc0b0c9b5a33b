/**
 * One delivery attempt over node:http(s): a POST with a total time limit, the SSRF-guarded
 * lookup on the socket, redirects never followed. Why not `fetch`: Node's fetch cannot take a
 * per-request `lookup` without undici's Agent (an extra dependency); node:http takes it directly.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import {
  BLOCKED_CODE,
  guardedLookup,
  isBlockedAddress,
  type Resolver,
  systemResolver,
} from './destination.js';

/** What one attempt produced (the delivery log's `attempts[]` entry plus a retry hint). */
export interface AttemptOutcome {
  readonly ok: boolean;
  readonly statusCode: number | null;
  readonly durationMs: number;
  /** `null` on success; else `timeout`, `blocked_destination`, `redirect`, `http_<status>`, `connection_refused`, … */
  readonly error: string | null;
  /** `Retry-After` of a 429/503, in ms. */
  readonly retryAfterMs?: number;
}

/** Sends attempts; holds keep-alive agents. */
export interface Sender {
  send(options: {
    url: string;
    body: string;
    headers: Record<string, string>;
  }): Promise<AttemptOutcome>;
  close(): void;
}

const MAX_RESPONSE_BYTES = 64 * 1024;

/** `Retry-After` (seconds or an HTTP date) in ms, when parseable. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function errorName(error: NodeJS.ErrnoException, timedOut: boolean): string {
  if (timedOut) return 'timeout';
  if (error.code === BLOCKED_CODE) return 'blocked_destination';
  if (error.code === 'ECONNREFUSED') return 'connection_refused';
  if (error.code === 'ECONNRESET') return 'connection_reset';
  if (error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') return 'dns_error';
  if (typeof error.code === 'string' && error.code.startsWith('ERR_TLS')) return 'tls_error';
  if (error.code?.includes('CERT') === true) return 'tls_error';
  return 'connection_error';
}

function outcomeOf(res: IncomingMessage, started: number): AttemptOutcome {
  const status = res.statusCode ?? 0;
  const durationMs = Date.now() - started;
  if (status >= 200 && status < 300)
    return { ok: true, statusCode: status, durationMs, error: null };
  const retryAfter =
    status === 429 || status === 503
      ? parseRetryAfter(res.headers['retry-after'], Date.now())
      : undefined;
  return {
    ok: false,
    statusCode: status,
    durationMs,
    error: status >= 300 && status < 400 ? 'redirect' : `http_${status}`,
    ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter }),
  };
}

/** Options of `createSender`. */
interface SenderOptions {
  timeoutMs: number;
  allowHttp: boolean;
  allowPrivate: boolean;
  resolver?: Resolver;
  userAgent?: string;
}

/** True when the URL itself is refused (scheme, or a literal private address): no request is made. */
function blockedUrl(url: URL, options: Pick<SenderOptions, 'allowHttp' | 'allowPrivate'>): boolean {
  if (url.protocol === 'http:' && !options.allowHttp) return true;
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return true;
  if (options.allowPrivate) return false;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return isIP(host) !== 0 && isBlockedAddress(host);
}

/** One POST with a total time limit; resolves (never rejects) with what happened. */
function post(
  url: URL,
  init: { body: string; headers: Record<string, string>; timeoutMs: number },
  transport: { agent: HttpAgent; lookup: ReturnType<typeof guardedLookup> },
): Promise<AttemptOutcome> {
  const started = Date.now();
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<AttemptOutcome>((resolve) => {
    let timedOut = false;
    let settled = false;
    const finish = (outcome: AttemptOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const req = request(url, {
      method: 'POST',
      agent: transport.agent,
      lookup: transport.lookup,
      headers: { ...init.headers, 'content-length': String(Buffer.byteLength(init.body)) },
    });
    const timer = setTimeout(() => {
      timedOut = true;
      req.destroy(new Error('timeout'));
    }, init.timeoutMs);
    req.on('response', (res) => {
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > MAX_RESPONSE_BYTES) res.destroy();
      });
      const done = (): void => finish(outcomeOf(res, started));
      res.on('end', done);
      res.on('close', done);
      res.on('error', done);
    });
    req.on('error', (error: NodeJS.ErrnoException) =>
      finish({
        ok: false,
        statusCode: null,
        durationMs: Date.now() - started,
        error: errorName(error, timedOut),
      }),
    );
    req.end(init.body);
  });
}

/**
 * Creates a sender. `allowPrivate`/`allowHttp` lift the destination rules; `resolver` replaces DNS (tests).
 * @example
 * const sender = createSender({ timeoutMs: 10_000, allowHttp: false, allowPrivate: false });
 * const outcome = await sender.send({ url, body, headers });
 */
export function createSender(options: SenderOptions): Sender {
  const lookup = guardedLookup({
    resolver: options.resolver ?? systemResolver,
    allowPrivate: options.allowPrivate,
  });
  const agents = {
    http: new HttpAgent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 16, timeout: 30_000 }),
    https: new HttpsAgent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 16, timeout: 30_000 }),
  };
  return {
    send({ url: raw, body, headers }) {
      const url = new URL(raw);
      if (blockedUrl(url, options)) {
        return Promise.resolve({
          ok: false,
          statusCode: null,
          durationMs: 0,
          error: 'blocked_destination',
        });
      }
      const agent = url.protocol === 'https:' ? agents.https : agents.http;
      return post(url, { body, headers, timeoutMs: options.timeoutMs }, { agent, lookup });
    },
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}
