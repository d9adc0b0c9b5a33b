/**
 * Webhook receivers: verify a CauseFlow delivery (Standard Webhooks signatures, HMAC-SHA256) and
 * get the typed, validated event; sign a delivery the same way (used by `causeflow-tail
 * --forward-to`). WebCrypto only, no `node:` imports: runs in Node 20, browsers and edge runtimes.
 * Signatures are compared by `crypto.subtle.verify`, which is constant-time.
 */
import {
  type CauseFlowEvent,
  isEventName,
  type ValidationIssue,
  validateEvent,
} from '@causeflow/events';
import { CauseFlowStreamError } from './errors.js';

/** Why a delivery was refused. */
export type WebhookErrorCode =
  | 'missing_header'
  | 'bad_signature'
  | 'stale_timestamp'
  | 'invalid_event'
  | 'unknown_event'
  | 'bad_secret';

/**
 * A refused webhook delivery. Answer 400 (or 401 for `bad_signature`) and let the sender retry;
 * `unknown_event` is an event this client version does not know yet (acknowledge it with 2xx).
 * @example
 * try { verifyWebhook(body, headers, secret) } catch (e) { if (e instanceof WebhookVerificationError) res.status(400) }
 */
export class WebhookVerificationError extends CauseFlowStreamError {
  declare readonly code: WebhookErrorCode;
  /** Validation issues, for `invalid_event`. */
  readonly issues: readonly ValidationIssue[];

  constructor(message: string, code: WebhookErrorCode, issues: readonly ValidationIssue[] = []) {
    super(message, { code, fatal: true });
    this.name = 'WebhookVerificationError';
    this.issues = issues;
  }
}

/** Headers as a `Headers` object (fetch, edge) or a plain record (Node's `req.headers`). */
export type WebhookHeaders =
  | Headers
  | Readonly<Record<string, string | readonly string[] | undefined>>;

/** Options of `verifyWebhook`. */
export interface VerifyWebhookOptions {
  /** Largest accepted distance between `webhook-timestamp` and now, either way. Default 300. */
  readonly toleranceSeconds?: number;
  /** The current time in ms (tests). */
  readonly now?: () => number;
}

const PREFIX = 'whsec_';
const encoder = new TextEncoder();

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') {
    return (headers as Headers).get(name) ?? undefined;
  }
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  const key = Object.keys(record).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : record[key];
  return typeof value === 'string' ? value : value?.[0];
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function importKey(secret: string, usage: 'sign' | 'verify'): Promise<CryptoKey> {
  const raw = fromBase64(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret);
  if (!raw || raw.length === 0) {
    throw new WebhookVerificationError('the secret is not whsec_<base64>', 'bad_secret');
  }
  return crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, [usage]);
}

/** The bytes Standard Webhooks signs: `${id}.${timestamp}.${body}`. */
function signedContent(id: string, timestamp: string, body: Uint8Array): Uint8Array<ArrayBuffer> {
  const head = encoder.encode(`${id}.${timestamp}.`);
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

function bodyBytes(rawBody: string | Uint8Array | ArrayBuffer): Uint8Array {
  if (typeof rawBody === 'string') return encoder.encode(rawBody);
  return rawBody instanceof Uint8Array ? rawBody : new Uint8Array(rawBody);
}

/**
 * Checks a webhook delivery's signature and timestamp, then parses and validates its body.
 * `rawBody` must be the bytes as received (not re-serialised JSON). Several secrets are accepted
 * during a secret rotation. Throws a `WebhookVerificationError`.
 * @example
 * const event = await verifyWebhook(await req.text(), req.headers, process.env.WEBHOOK_SECRET);
 * if (event.event === 'incident.created') page(event.data.title);
 */
export async function verifyWebhook(
  rawBody: string | Uint8Array | ArrayBuffer,
  headers: WebhookHeaders,
  secret: string | readonly string[],
  options: VerifyWebhookOptions = {},
): Promise<CauseFlowEvent> {
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signature = header(headers, 'webhook-signature');
  for (const [name, value] of [
    ['webhook-id', id],
    ['webhook-timestamp', timestamp],
    ['webhook-signature', signature],
  ] as const) {
    if (!value) throw new WebhookVerificationError(`missing ${name} header`, 'missing_header');
  }
  checkTimestamp(timestamp as string, options);
  const body = bodyBytes(rawBody);
  const content = signedContent(id as string, timestamp as string, body);
  if (!(await anySignatureMatches(signature as string, content, secret))) {
    throw new WebhookVerificationError('no signature matches the secret', 'bad_signature');
  }
  return parseEvent(body);
}

function checkTimestamp(timestamp: string, options: VerifyWebhookOptions): void {
  const tolerance = options.toleranceSeconds ?? 300;
  const seconds = /^\d{1,15}$/.test(timestamp) ? Number(timestamp) : Number.NaN;
  const now = Math.floor((options.now?.() ?? Date.now()) / 1000);
  if (Number.isNaN(seconds) || Math.abs(now - seconds) > tolerance) {
    throw new WebhookVerificationError(
      `webhook-timestamp ${timestamp} is not within ${tolerance} s of now`,
      'stale_timestamp',
    );
  }
}

async function anySignatureMatches(
  header: string,
  content: Uint8Array<ArrayBuffer>,
  secret: string | readonly string[],
): Promise<boolean> {
  const signatures = header
    .split(' ')
    .filter((entry) => entry.startsWith('v1,'))
    .map((entry) => fromBase64(entry.slice(3)))
    .filter((bytes): bytes is Uint8Array<ArrayBuffer> => bytes !== undefined);
  const secrets = typeof secret === 'string' ? [secret] : secret;
  if (secrets.length === 0) throw new WebhookVerificationError('no secret given', 'bad_secret');
  for (const s of secrets) {
    const key = await importKey(s, 'verify');
    for (const sig of signatures) {
      if (await crypto.subtle.verify('HMAC', key, sig, content)) return true;
    }
  }
  return false;
}

function parseEvent(body: Uint8Array): CauseFlowEvent {
  let payload: unknown;
  try {
    payload = JSON.parse(new TextDecoder().decode(body));
  } catch {
    throw new WebhookVerificationError('the body is not JSON', 'invalid_event', [
      { path: '', keyword: 'json', message: 'is not valid JSON' },
    ]);
  }
  const name = (payload as { event?: unknown } | null)?.event;
  if (typeof name === 'string' && !isEventName(name)) {
    throw new WebhookVerificationError(`unknown event "${name}" (newer server?)`, 'unknown_event');
  }
  const result = validateEvent(payload, { mode: 'tolerant' });
  if (!result.ok) {
    throw new WebhookVerificationError(
      'the event does not match its schema',
      'invalid_event',
      result.errors,
    );
  }
  return payload as CauseFlowEvent;
}

/** What `signWebhook` signs. */
export interface SignWebhookInput {
  /** `webhook-id`: the event id. */
  readonly id: string;
  /** `webhook-timestamp` in unix seconds (default: now). */
  readonly timestamp?: number;
  /** The exact body that will be sent. */
  readonly body: string | Uint8Array;
  /** One `v1,` entry per secret. */
  readonly secrets: readonly string[];
}

/**
 * Signs a delivery the way the CauseFlow webhook sender does; returns the three Standard Webhooks
 * headers.
 * @example
 * const headers = await signWebhook({ id: event.id, body, secrets: [secret] });
 */
export async function signWebhook(input: SignWebhookInput): Promise<{
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}> {
  const timestamp = String(input.timestamp ?? Math.floor(Date.now() / 1000));
  const content = signedContent(input.id, timestamp, bodyBytes(input.body));
  const entries: string[] = [];
  for (const secret of input.secrets) {
    const key = await importKey(secret, 'sign');
    const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, content));
    entries.push(`v1,${toBase64(mac)}`);
  }
  return {
    'webhook-id': input.id,
    'webhook-timestamp': timestamp,
    'webhook-signature': entries.join(' '),
  };
}

/**
 * A new webhook secret: `whsec_` + base64 of 24 random bytes.
 * @example
 * const secret = generateWebhookSecret(); // 'whsec_…'
 */
export function generateWebhookSecret(): string {
  return `${PREFIX}${toBase64(crypto.getRandomValues(new Uint8Array(24)))}`;
}
