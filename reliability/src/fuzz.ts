/**
 * Ingest fuzzing: fast-check arbitraries of request bodies (valid, mutated and random envelopes,
 * broken JSON, huge and deeply nested bodies, unicode edge cases, prototype keys, wrong content
 * types) and the oracle that says what `POST /v1/events` must answer to each.
 */
import { eventCatalog, validateEvent } from '@causeflow/events';
import fc from 'fast-check';

/** One fuzz request. */
export interface FuzzCase {
  readonly kind: string;
  /** `Content-Type` header; `undefined`: none sent. */
  readonly contentType: string | undefined;
  readonly body: Buffer;
  /** `service`: a token without tenant; `tenant`: bound to `FUZZ_TENANT`. */
  readonly token: 'service' | 'tenant';
}

/** The tenant of the tenant-bound fuzz token. */
export const FUZZ_TENANT = 'ten_fuzz';
const TENANTS = [FUZZ_TENANT, 'ten_fuzz2', 'ten_other', 'ten_x'];

const EXAMPLES: Record<string, unknown>[] = Object.values(eventCatalog).flatMap(
  (entry) => entry.examples as unknown as Record<string, unknown>[],
);

const clone = <T>(value: T): T => structuredClone(value);

/** Strings that break naive code: lone surrogates, BOM, NUL, RTL, emoji, huge code points. */
const nastyString = fc.oneof(
  fc.constantFrom(
    '\ud800',
    '\udfff',
    'a\ud83d',
    '\ufeff',
    '\u0000',
    '\u202e',
    '🙂',
    '\u2028\u2029',
    '',
    ' ',
    '__proto__',
    'constructor',
    '../../etc/passwd',
    '%00',
    '$' + '{jndi:ldap://x}',
    '<script>',
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
);

const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  nastyString,
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(null, true, 0, -1, 1e308, -0, 1.5, [], {}, Number.MAX_SAFE_INTEGER + 2),
);

/** Sets `value` at a random path of `target` (existing keys preferred). */
function setAt(
  target: Record<string, unknown>,
  pathPick: number[],
  value: unknown,
  remove: boolean,
): void {
  let node: Record<string, unknown> = target;
  for (let depth = 0; depth < pathPick.length; depth++) {
    const keys = Object.keys(node);
    if (keys.length === 0) break;
    const key = keys[pathPick[depth]! % keys.length]!;
    const child = node[key];
    if (
      depth === pathPick.length - 1 ||
      child === null ||
      typeof child !== 'object' ||
      Array.isArray(child)
    ) {
      if (remove) delete node[key];
      else node[key] = value;
      return;
    }
    node = child as Record<string, unknown>;
  }
}

const validEnvelope = fc
  .tuple(fc.constantFrom(...EXAMPLES), fc.constantFrom(...TENANTS), fc.boolean())
  .map(([example, tenantId, withId]) => {
    const event = clone(example);
    event.tenantId = tenantId;
    if (withId) event.id = `evt_fuzz_${Math.random().toString(36).slice(2)}`;
    return event;
  });

const mutatedEnvelope = fc
  .tuple(
    validEnvelope,
    fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
    weirdValue,
    fc.constantFrom('set', 'remove', 'extra', 'proto', 'constructor', 'rename'),
  )
  .map(([event, path, value, op]) => {
    if (op === 'set' || op === 'remove') setAt(event, path, value, op === 'remove');
    else if (op === 'extra') (event.data as Record<string, unknown>)[`x${path[0]}`] = value;
    else if (op === 'proto')
      Object.defineProperty(event, '__proto__', {
        value: { tenantId: 'ten_x', polluted: true },
        enumerable: true,
      });
    else if (op === 'constructor')
      Object.defineProperty(event.data, 'constructor', {
        value: { prototype: { polluted: true } },
        enumerable: true,
      });
    else event.event = typeof value === 'string' ? value : 'incident.deleted';
    return event;
  });

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value) ?? 'null');

const jsonCase = (kind: string, body: fc.Arbitrary<unknown>): fc.Arbitrary<FuzzCase> =>
  fc
    .tuple(body, fc.constantFrom<'service' | 'tenant'>('service', 'service', 'tenant'))
    .map(([value, token]) => ({
      kind,
      contentType: 'application/json',
      body: json(value),
      token,
    }));

/** A body larger than `limit` bytes made of valid events. */
function hugeBody(limit: number): Buffer {
  const one = JSON.stringify(EXAMPLES[0]);
  const count = Math.ceil((limit + 1) / (one.length + 1)) + 1;
  return Buffer.from(`[${Array.from({ length: count }, () => one).join(',')}]`);
}

/**
 * The fuzz arbitrary: one request body per case, with a mix of every kind.
 * @example
 * const cases = fc.sample(fuzzCase({ maxBodyBytes: 262_144 }), { numRuns: 1000, seed: 1 });
 */
export function fuzzCase(options: { maxBodyBytes: number }): fc.Arbitrary<FuzzCase> {
  const huge = hugeBody(options.maxBodyBytes);
  return fc.oneof(
    { weight: 15, arbitrary: jsonCase('valid envelope', validEnvelope) },
    {
      weight: 10,
      arbitrary: jsonCase('valid batch', fc.array(validEnvelope, { minLength: 1, maxLength: 20 })),
    },
    { weight: 25, arbitrary: jsonCase('mutated envelope', mutatedEnvelope) },
    {
      weight: 10,
      arbitrary: jsonCase(
        'mixed batch',
        fc.array(fc.oneof(validEnvelope, mutatedEnvelope), { maxLength: 10 }),
      ),
    },
    { weight: 8, arbitrary: jsonCase('random JSON', fc.jsonValue({ maxDepth: 4 })) },
    {
      weight: 6,
      arbitrary: fc
        .tuple(
          validEnvelope,
          fc.nat(),
          fc.constantFrom('', '}', ',', 'garbage', '\u0000', 'NaN', "'"),
        )
        .map(([event, cut, tail]) => {
          const text = JSON.stringify(event);
          return {
            kind: 'broken JSON',
            contentType: 'application/json',
            body: Buffer.from(text.slice(0, cut % text.length) + tail),
            token: 'service' as const,
          };
        }),
    },
    {
      weight: 5,
      arbitrary: fc
        .tuple(
          validEnvelope,
          fc.constantFrom('\ud800', '\udc00', '\ud83d\ude00', '\\ud800', '\ufffe', '\u0000'),
        )
        .map(([event, s]) => {
          const title = JSON.stringify(`lone ${s} surrogate`)
            .slice(1, -1)
            .replace('\\\\ud800', '\\ud800');
          const text = JSON.stringify({
            ...event,
            event: 'incident.created',
            data: {
              incidentId: 'inc_UNI',
              title: 'T',
              severity: 'low',
              status: 'open',
              source: 'manual',
            },
          }).replace('"title":"T"', `"title":"${title}"`);
          return {
            kind: 'unicode edge case',
            contentType: 'application/json',
            body: Buffer.from(text),
            token: 'service' as const,
          };
        }),
    },
    {
      weight: 3,
      arbitrary: fc
        .tuple(validEnvelope, fc.uint8Array({ minLength: 1, maxLength: 8 }))
        .map(([event, bytes]) => {
          const text = JSON.stringify({
            ...event,
            event: 'incident.created',
            data: {
              incidentId: 'inc_UTF',
              title: 'T',
              severity: 'low',
              status: 'open',
              source: 'manual',
            },
          });
          const [before, after] = text.split('"title":"T"') as [string, string];
          const body = Buffer.concat([
            Buffer.from(`${before}"title":"`),
            Buffer.from(bytes.map((b) => b | 0x80)),
            Buffer.from(`"${after}`),
          ]);
          return {
            kind: 'invalid UTF-8 bytes',
            contentType: 'application/json',
            body,
            token: 'service' as const,
          };
        }),
    },
    {
      weight: 4,
      arbitrary: fc
        .tuple(validEnvelope, fc.constantFrom('__proto__', 'constructor', 'prototype'))
        .map(([event, key]) => {
          const text = JSON.stringify(event).replace(
            '{',
            `{"${key}":{"polluted":true,"tenantId":"ten_other"},`,
          );
          const dataText = text.replace('"data":{', `"data":{"${key}":{"polluted":true},`);
          return {
            kind: 'prototype keys',
            contentType: 'application/json',
            body: Buffer.from(Math.random() < 0.5 ? text : dataText),
            token: 'service' as const,
          };
        }),
    },
    {
      weight: 3,
      arbitrary: fc
        .tuple(fc.integer({ min: 100, max: 100_000 }), fc.constantFrom('[', '{"a":'))
        .map(([depth, open]) => {
          const close = open === '[' ? ']' : '}';
          const body = Buffer.from(
            open.repeat(depth) + (open === '[' ? '' : '1') + close.repeat(depth),
          );
          return {
            kind: 'deeply nested',
            contentType: 'application/json',
            body,
            token: 'service' as const,
          };
        }),
    },
    {
      weight: 3,
      arbitrary: fc
        .tuple(validEnvelope, fc.integer({ min: 50, max: 5000 }))
        .map(([event, depth]) => {
          const nested = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
          const text = JSON.stringify(event).replace('"data":{', `"data":{"deep":${nested},`);
          return {
            kind: 'deeply nested event',
            contentType: 'application/json',
            body: Buffer.from(text),
            token: 'service' as const,
          };
        }),
    },
    {
      weight: 1,
      arbitrary: fc.constant({
        kind: 'huge body',
        contentType: 'application/json',
        body: huge,
        token: 'service' as const,
      }),
    },
    {
      weight: 4,
      arbitrary: fc
        .tuple(
          validEnvelope,
          fc.constantFrom(
            undefined,
            'text/plain',
            'application/x-www-form-urlencoded',
            'multipart/form-data; boundary=x',
            'application/xml',
            'application/json-patch+json',
            'application/vnd.api+json',
            'text/json',
            'application/jsonp',
            'APPLICATION/JSON',
            'application/json; charset=utf-8',
            'application/json; charset=latin1',
            'application/json;',
            '*/*',
          ),
        )
        .map(([event, contentType]) => ({
          kind: 'content types',
          contentType,
          body: json(event),
          token: 'service' as const,
        })),
    },
    {
      weight: 3,
      arbitrary: fc
        .constantFrom(
          '',
          'null',
          '[]',
          '[[]]',
          '{}',
          '""',
          '0',
          'true',
          '[null]',
          '{"event":null}',
          ' ',
          '\ufeff{}',
        )
        .map((text) => ({
          kind: 'degenerate bodies',
          contentType: 'application/json',
          body: Buffer.from(text),
          token: 'service' as const,
        })),
    },
  );
}

/** What the server must answer. */
/** The server's default `MAX_BATCH_EVENTS`: a longer batch is a 413 before any validation. */
const MAX_BATCH_EVENTS = 1000;

export interface Expectation {
  readonly status: 202 | 400 | 403 | 413 | 415;
  /** Events to be accepted (202). */
  readonly accepted: number;
}

/**
 * The oracle, mirroring the contract: 415 unless JSON, 413 over the limit, 400 broken JSON or an
 * empty batch, 403 a tenant token publishing for another tenant, 400 any invalid event, else 202.
 */
export function expectation(c: FuzzCase, maxBodyBytes: number): Expectation {
  const media = (c.contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (media !== 'application/json') return { status: 415, accepted: 0 };
  if (c.body.length > maxBodyBytes) return { status: 413, accepted: 0 };
  let body: unknown;
  try {
    body = JSON.parse(c.body.toString('utf8'));
  } catch {
    return { status: 400, accepted: 0 };
  }
  const events = Array.isArray(body) ? body : [body];
  if (events.length === 0) return { status: 400, accepted: 0 };
  if (events.length > MAX_BATCH_EVENTS) return { status: 413, accepted: 0 };
  if (c.token === 'tenant') {
    const foreign = events.some((e) => {
      const tenantId = (e as { tenantId?: unknown } | null)?.tenantId;
      return typeof tenantId === 'string' && tenantId !== FUZZ_TENANT;
    });
    if (foreign) return { status: 403, accepted: 0 };
  }
  for (const event of events) if (!validateEvent(event).ok) return { status: 400, accepted: 0 };
  return { status: 202, accepted: events.length };
}
