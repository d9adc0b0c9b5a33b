/**
 * Checks of the endpoints API's request bodies and queries (they cross a process boundary):
 * strict shapes, clear 400s naming the field, nothing typed before it is checked.
 */
import { parseEventFilter } from '@causeflow/events';
import { checkUrl, type DestinationPolicy } from './destination.js';
import { WebhookError } from './errors.js';
import type { DeliveryStatus } from './types.js';

const MAX_URL = 2048;
const MAX_DESCRIPTION = 500;
const MAX_PATTERNS = 100;
const MAX_CURSOR = 512;

/** A checked create body. */
export interface CreateInput {
  readonly url: string;
  readonly events: readonly string[];
  readonly description: string;
}

/** A checked update body (only the fields sent). */
export interface UpdateInput {
  readonly url?: string;
  readonly events?: readonly string[];
  readonly description?: string;
  readonly enabled?: boolean;
}

/** True when `text` holds a C0 control character (CR, LF, NUL, …). */
function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) < 0x20) return true;
  return false;
}

function bad(code: string, message: string, details?: readonly unknown[]): WebhookError {
  return new WebhookError(400, code, message, details === undefined ? {} : { details });
}

function object(body: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw bad('invalid_body', 'the body must be a JSON object');
  }
  const unknown = Object.keys(body).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    throw bad(
      'invalid_body',
      `unknown field(s): ${unknown.join(', ')}; allowed: ${allowed.join(', ')}`,
    );
  }
  return body as Record<string, unknown>;
}

function url(value: unknown, policy: DestinationPolicy): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_URL) {
    throw bad('invalid_url', `url must be a string of 1..${MAX_URL} characters`);
  }
  return checkUrl(value, policy);
}

function events(value: unknown): string[] {
  if (
    !Array.isArray(value) ||
    value.length > MAX_PATTERNS ||
    !value.every((v) => typeof v === 'string' && v.length > 0 && v.length <= 200)
  ) {
    throw bad(
      'invalid_events',
      `events must be an array of at most ${MAX_PATTERNS} event names or domain.* patterns`,
    );
  }
  const patterns = [...new Set(value.map((v: string) => v.trim()))];
  if (patterns.length === 0) return [];
  const parsed = parseEventFilter(patterns);
  if (!parsed.ok) {
    throw bad(
      'unknown_event',
      `unknown event name(s) in events: ${parsed.unknown.join(', ')}`,
      parsed.unknown.map((pattern) => ({ pattern, message: 'matches no event in the catalog' })),
    );
  }
  return patterns;
}

function description(value: unknown): string {
  if (typeof value !== 'string' || value.length > MAX_DESCRIPTION) {
    throw bad(
      'invalid_description',
      `description must be a string of at most ${MAX_DESCRIPTION} characters`,
    );
  }
  return value;
}

/**
 * Checks a `POST /v1/webhooks` body.
 * @example
 * parseCreate({ url: 'https://hooks.example.com/cf', events: ['incident.*'] }, policy);
 */
export function parseCreate(body: unknown, policy: DestinationPolicy): CreateInput {
  const b = object(body, ['url', 'events', 'description']);
  return {
    url: url(b.url, policy),
    events: b.events === undefined || b.events === null ? [] : events(b.events),
    description: b.description === undefined ? '' : description(b.description),
  };
}

/**
 * Checks a `PATCH /v1/webhooks/{id}` body.
 * @example
 * parseUpdate({ enabled: true }, policy); // { enabled: true }
 */
export function parseUpdate(body: unknown, policy: DestinationPolicy): UpdateInput {
  const b = object(body, ['url', 'events', 'description', 'enabled']);
  if (b.enabled !== undefined && typeof b.enabled !== 'boolean')
    throw bad('invalid_enabled', 'enabled must be true or false');
  return {
    ...(b.url === undefined ? {} : { url: url(b.url, policy) }),
    ...(b.events === undefined ? {} : { events: b.events === null ? [] : events(b.events) }),
    ...(b.description === undefined ? {} : { description: description(b.description) }),
    ...(b.enabled === undefined ? {} : { enabled: b.enabled as boolean }),
  };
}

/**
 * Checks a `POST /v1/webhooks/{id}/replay` body: `{"after": "<cursor>"}` (`null`/absent: every retained event).
 * @example
 * parseReplay({ after: 'mfz3k2a19f8e7d6c.1717250000000-0' });
 */
export function parseReplay(body: unknown): { after: string | null } {
  const b = object(body ?? {}, ['after']);
  if (b.after === undefined || b.after === null) return { after: null };
  if (
    typeof b.after !== 'string' ||
    b.after.length === 0 ||
    b.after.length > MAX_CURSOR ||
    hasControlCharacter(b.after)
  ) {
    throw bad('invalid_cursor', 'after must be a cursor (a stream id: or causeflow-cursor value)');
  }
  return { after: b.after };
}

/** A checked deliveries query. */
export interface DeliveriesQuery {
  readonly status?: DeliveryStatus;
  readonly limit: number;
  readonly after?: string;
}

/**
 * Checks `GET /v1/webhooks/{id}/deliveries?status=&limit=&after=` (limit 1–100, default 20).
 * @example
 * parseDeliveriesQuery({ status: 'failed', limit: '50' });
 */
export function parseDeliveriesQuery(
  query: Record<string, string | string[] | undefined>,
): DeliveriesQuery {
  const one = (name: string): string | undefined => {
    const v = query[name];
    if (Array.isArray(v)) throw bad('invalid_query', `${name}= given more than once`);
    return v === '' ? undefined : v;
  };
  const status = one('status');
  if (
    status !== undefined &&
    status !== 'pending' &&
    status !== 'succeeded' &&
    status !== 'failed'
  ) {
    throw bad('invalid_status', 'status= must be pending, succeeded or failed');
  }
  const rawLimit = one('limit');
  const limit = rawLimit === undefined ? 20 : Number(rawLimit);
  if (!/^\d+$/.test(rawLimit ?? '20') || limit < 1 || limit > 100)
    throw bad('invalid_limit', 'limit= must be a whole number in 1..100');
  const after = one('after');
  if (after !== undefined && !/^dlv_[A-Za-z0-9]{1,64}$/.test(after))
    throw bad('invalid_after', 'after= must be a delivery id from next');
  return {
    ...(status === undefined ? {} : { status }),
    limit,
    ...(after === undefined ? {} : { after }),
  };
}
