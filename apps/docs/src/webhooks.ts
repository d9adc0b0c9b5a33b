/**
 * The Webhooks page, generated from the contract (architecture: "Webhooks") and the catalog:
 * registering an endpoint, the delivery headers, verifying signatures three ways, retries,
 * ordering and idempotency, rotating a secret, local development, and one entry per event type.
 * The verification snippets are exported so the tests can run them against `standardwebhooks`.
 */
import type { EventModel } from '@causeflow/codegen';
import { code, escapeText, fence, frontMatter } from './markdown.js';
import type { DocsModel } from './model.js';
import { BASE_URL_PLACEHOLDER } from './snippets.js';

/** The default retry schedule (`WEBHOOK_RETRY_SCHEDULE`), one delay per retry after the first try. */
export const WEBHOOK_RETRY_SCHEDULE = ['5s', '5m', '30m', '2h', '5h', '10h', '10h'] as const;

/** Verifying a delivery with `@causeflow/client` (an Express-style handler, raw body kept). */
export function verifyWithClientSnippet(): string {
  return [
    `import { verifyWebhook } from '@causeflow/client';`,
    '',
    '// rawBody: the request body exactly as received (a string or bytes), before any JSON parsing.',
    'export async function handleDelivery(rawBody: string, headers: Record<string, string>) {',
    `  const event = await verifyWebhook(rawBody, headers, process.env.CAUSEFLOW_WEBHOOK_SECRET ?? '', {`,
    '    toleranceSeconds: 300,',
    '  });',
    '  // event is a typed, validated CauseFlowEvent; it rejects with a WebhookVerificationError',
    '  // (code bad_signature, stale_timestamp, missing_header, invalid_event, unknown_event).',
    `  if (event.event === 'incident.created') console.log(event.data.title);`,
    `  return headers['webhook-id']; // de-duplicate on it: the same on every retry`,
    '}',
  ].join('\n');
}

/** Verifying a delivery with the `standardwebhooks` npm package. */
export function verifyWithStandardWebhooksSnippet(): string {
  return [
    `import { Webhook } from 'standardwebhooks';`,
    '',
    `const wh = new Webhook(process.env.CAUSEFLOW_WEBHOOK_SECRET ?? ''); // whsec_…`,
    '',
    'export function handleDelivery(rawBody: string, headers: Record<string, string>) {',
    '  // Throws when the signature or the timestamp (5 minutes of tolerance) does not verify.',
    '  const event = wh.verify(rawBody, headers) as { event: string; id: string };',
    `  console.log(event.event, event.id, headers['causeflow-cursor']);`,
    '  return event;',
    '}',
  ].join('\n');
}

/** Verifying a delivery by hand in Python (standard library only). */
export function verifyInPythonSnippet(): string {
  return [
    'import base64, hashlib, hmac, json, time',
    '',
    'def verify(raw_body: bytes, headers: dict, secret: str, tolerance: int = 300) -> dict:',
    '    """Returns the event when one of the signatures matches; raises ValueError otherwise."""',
    '    msg_id = headers["webhook-id"]',
    '    timestamp = headers["webhook-timestamp"]',
    '    if abs(time.time() - int(timestamp)) > tolerance:',
    '        raise ValueError("stale timestamp")',
    '    key = base64.b64decode(secret.removeprefix("whsec_"))',
    '    signed = msg_id.encode() + b"." + timestamp.encode() + b"." + raw_body',
    '    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()',
    '    for entry in headers["webhook-signature"].split(" "):  # one per active secret',
    '        version, _, signature = entry.partition(",")',
    '        if version == "v1" and hmac.compare_digest(signature, expected):',
    '            return json.loads(raw_body)',
    '    raise ValueError("no matching signature")',
  ].join('\n');
}

function registerSnippet(): string {
  return [
    '# A token with scope webhooks:manage (the tenant comes from the token)',
    'curl -X POST "$CAUSEFLOW_URL/v1/webhooks" \\',
    '  -H "Authorization: Bearer $CAUSEFLOW_TOKEN" -H "Content-Type: application/json" \\',
    `  -d '{"url":"https://hooks.example.com/causeflow","events":["incident.*","remediation.approved"],"description":"ticketing bridge"}'`,
    '# → 201 {"id":"whk_…","url":"https://hooks.example.com/causeflow",…,"secret":"whsec_…"}',
    '#   The secret is shown only here (and on rotation): store it.',
  ].join('\n');
}

function deliveryExample(event: EventModel | undefined): string {
  const body = JSON.stringify({
    ...(event?.examples[0] as object | undefined),
    id: 'evt_01HXE5G8J1K4M7N0P3Q6R9S2TV',
  });
  return [
    'POST /causeflow HTTP/1.1',
    'Host: hooks.example.com',
    'content-type: application/json',
    'user-agent: CauseFlow-Webhooks/0.1.0',
    'webhook-id: evt_01HXE5G8J1K4M7N0P3Q6R9S2TV',
    'webhook-timestamp: 1711981800',
    'webhook-signature: v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=',
    'causeflow-cursor: lufz0a8c3f9e12b7-1042',
    '',
    body,
  ].join('\n');
}

const HEADERS: readonly (readonly [string, string])[] = [
  [
    'webhook-id',
    'The event `id` (`evt_…`). The same on every retry of this event to this endpoint: de-duplicate on it.',
  ],
  [
    'webhook-timestamp',
    'Unix seconds of this attempt. Refuse deliveries older than a few minutes (replay protection).',
  ],
  [
    'webhook-signature',
    '`v1,<base64 HMAC-SHA256>` of `<webhook-id>.<webhook-timestamp>.<body>`, one entry per active secret, separated by spaces (two during a secret rotation).',
  ],
  [
    'causeflow-cursor',
    'The stream cursor of the event: resume the stream with it (`Last-Event-ID`), page `GET /v1/events?after=` or replay the endpoint from it.',
  ],
  [
    'content-type',
    "`application/json`. The body is the envelope exactly as the stream's `data:` line, with its `id`.",
  ],
  ['user-agent', '`CauseFlow-Webhooks/<version>`.'],
];

/** Verifying the signature: three ways, one per code tab. */
function verifySection(): string[] {
  return [
    '## Verify the signature',
    '',
    'Verify against the **raw body**, before parsing it: re-serialised JSON does not verify.',
    '',
    '::: code-group',
    fence('ts [@causeflow/client]', verifyWithClientSnippet()),
    '',
    fence('ts [standardwebhooks]', verifyWithStandardWebhooksSnippet()),
    '',
    fence('python [Python (by hand)]', verifyInPythonSnippet()),
    ':::',
    '',
    `${code('await verifyWebhook(rawBody, headers, secret | secrets, { toleranceSeconds })')} accepts one secret or a list (during a rotation) and resolves to the typed, validated event. It rejects with a ${code('WebhookVerificationError')} whose ${code('code')} says why: ${code('bad_signature')} (answer 401), ${code('stale_timestamp')}, ${code('missing_header')}, ${code('invalid_event')} (answer 400), or ${code('unknown_event')} for an event newer than your client version (acknowledge it with a 2xx). It uses Web Crypto, so it runs in Node, browsers and edge runtimes.`,
    '',
  ];
}

/** Retries, ordering, idempotency, rotation, the delivery log and replay. */
function deliverySection(): string[] {
  return [
    '## Answer fast, retry schedule',
    '',
    `Answer with any ${code('2xx')} within 10 seconds (${code('WEBHOOK_TIMEOUT_MS')}); do the work afterwards. Redirects are not followed (they count as a failure). Anything else is retried after ${WEBHOOK_RETRY_SCHEDULE.map(code).join(', ')} (with jitter), so the last try is about 28 hours after the first. A ${code('Retry-After')} on a ${code('429')} or ${code('503')} is honoured within that schedule. After the last try the delivery is ${code('failed')}; an endpoint whose deliveries have all failed for 5 days is disabled, with the reason in ${code('disabledReason')}.`,
    '',
    '## Ordering and idempotency',
    '',
    `- **At least once**: a delivery can arrive twice (a timeout after your handler succeeded, a retry). Store the ${code('webhook-id')} of what you processed and skip a repeat.`,
    `- **No order across events**: retries interleave with newer events. Order by ${code('causeflow-cursor')} (per tenant, in publish order) or ${code('timestamp')} when it matters, e.g. ignore a ${code('incident.status_changed')} older than the last one you applied.`,
    `- Missed a lot (your receiver was down past the schedule)? Replay from the last cursor you processed: ${code('POST /v1/webhooks/{id}/replay {"after":"<cursor>"}')}, or read ${code('GET /v1/events?after=<cursor>')} yourself.`,
    '',
    '## Rotate a secret',
    '',
    fence(
      'sh',
      [
        'curl -X POST "$CAUSEFLOW_URL/v1/webhooks/whk_…/rotate-secret" -H "Authorization: Bearer $CAUSEFLOW_TOKEN"',
        '# → 200 {"secret":"whsec_…new…"}',
      ].join('\n'),
    ),
    '',
    `For 24 hours (${code('WEBHOOK_SECRET_OVERLAP_MS')}) every delivery is signed with both the old and the new secret (two entries in ${code('webhook-signature')}). Deploy the new secret to your receiver (or pass both: ${code('verifyWebhook(body, headers, [newSecret, oldSecret])')}) within that window; then drop the old one.`,
    '',
    '## Delivery log and replay',
    '',
    `${code('GET /v1/webhooks/{id}/deliveries?status=failed')} lists deliveries with every attempt (status code, duration, error). ${code('POST /v1/webhooks/{id}/replay')} with ${code('{"after":"<cursor>"}')} re-delivers every retained matching event after that cursor (${code('202 {"queued":n}')}); a cursor that is not yours is a ${code('400 unknown_cursor')}, a disabled endpoint a ${code('409 endpoint_disabled')} (enable it first with ${code('PATCH {"enabled":true}')}), and a replay bigger than the pending deliveries bound a ${code('429 too_many_pending')} (replay from a later cursor). The deliveries list pages by ${code('limit')} (1–100, default 20) and ${code('after')} (the ${code('next')} of the previous page).`,
    '',
  ];
}

/** Developing a receiver on a laptop. */
function localSection(): string[] {
  return [
    '## Develop locally',
    '',
    'Your handler runs on a laptop, the server cannot reach it: let the tail CLI forward the stream to it, signed exactly like a real delivery.',
    '',
    fence(
      'sh',
      [
        `CAUSEFLOW_URL=${BASE_URL_PLACEHOLDER} CAUSEFLOW_TOKEN=… \\`,
        '  npx causeflow-tail --forward-to http://localhost:3000/webhooks --secret whsec_…',
      ].join('\n'),
    ),
    '',
    `Every streamed event is POSTed to ${code('--forward-to')} with the same headers and signature a real delivery has (with ${code('--secret')}, or a generated one it prints). Against a server in dev mode, plain ${code('http://')} and private addresses are allowed, so you can also register ${code('http://127.0.0.1:3000/webhooks')} directly.`,
    '',
  ];
}

/** The Webhooks page. */
export function renderWebhooksPage(model: DocsModel): string {
  const created = model.events.find((e) => e.name === 'incident.created') ?? model.events[0];
  const types = model.events.map(
    (e) =>
      `- [${code(e.name)}](./events/${e.name}.md) — ${escapeText(e.whenEmitted)} ([schema](./schemas/${e.name}.json){target="_self"})`,
  );
  return [
    frontMatter({ title: 'Webhooks' }),
    '# Webhooks',
    '',
    `Services that are not always connected (a ticketing bridge, a chat bot, a data warehouse loader) register an HTTPS endpoint; every matching event is POSTed to it, signed per the [Standard Webhooks](https://www.standardwebhooks.com/) specification (HMAC-SHA256). Delivery is **at least once**: an event accepted by the server reaches every endpoint that matched it, retried until it succeeds or the schedule runs out. The same [cursor](./contract.md#one-cursor-three-ways-to-receive) as the stream and ${code('GET /v1/events')} comes with every delivery.`,
    '',
    '## Register an endpoint',
    '',
    fence('sh', registerSnippet()),
    '',
    `${code('events')} uses the stream's filter syntax (names and ${code('domain.*')}; absent = every event); an unknown name is a ${code('400 unknown_event')}. The URL must be ${code('https')} and resolve to a public address (${code('400 unsafe_url')} otherwise; checked again on the address actually connected to at each delivery). A tenant has at most 20 endpoints by default (${code('409 endpoint_limit')}). The endpoints API (${code('GET/PATCH/DELETE /v1/webhooks/{id}')}, deliveries, replay) is in the [OpenAPI reference](./reference/openapi.md).`,
    '',
    '## What a delivery looks like',
    '',
    fence('http', deliveryExample(created)),
    '',
    ...HEADERS.map(([name, text]) => `- ${code(name)}: ${escapeText(text)}`),
    '',
    ...verifySection(),
    ...deliverySection(),
    ...localSection(),
    '## Event types',
    '',
    `One entry per event type; the body of a delivery is the event's envelope. Also in the ${code('webhooks')} section of the [OpenAPI document](./reference/openapi.md).`,
    '',
    ...types,
    '',
  ].join('\n');
}
