/**
 * The parts of the OpenAPI document for the one-cursor features (architecture: "One cursor, three
 * ways to receive" and "Webhooks"): `GET /v1/events` (REST catch-up), the webhook endpoints API
 * (`/v1/webhooks…`), their schemas, and the top-level `webhooks` section with one entry per event
 * type (the POST a receiver gets).
 */
import type { JsonSchema } from '@causeflow/codegen';
import { schemaRef } from './asyncapi.js';
import type { DocsModel } from './model.js';

const json = (ref: string) => ({ 'application/json': { schema: { $ref: schemaRef(ref) } } });
const error = (description: string) => ({ description, content: json('Error') });
const ok = (description: string, ref: string) => ({ description, content: json(ref) });

const unauthorized = {
  description: 'Missing, invalid or expired token (`invalid_token`).',
  headers: {
    'WWW-Authenticate': {
      description: '`Bearer error="invalid_token"`',
      schema: { type: 'string' },
    },
  },
  content: json('Error'),
};
const forbidden = (scope: string) =>
  error(
    `The token lacks scope \`${scope}\` (\`insufficient_scope\`) or a \`tenantId\` claim (\`tenant_required\`).`,
  );
const notFound = error(
  "No such endpoint for this tenant (`not_found`); another tenant's endpoint is a 404 too.",
);
const tooLarge = error('The body is over the size limit (`payload_too_large`).');
const notJson = error('The body is not `application/json` (`unsupported_media_type`).');
/** The 400 codes every endpoint body can get (`src/input.ts` of @causeflow/webhooks). */
const bodyCodes =
  '`invalid_json` (not JSON), `invalid_body` (not an object, or an unknown field), `invalid_url` (not an absolute URL of at most 2048 characters, or with credentials), `unsafe_url` (not `https`, `localhost`, or a private, loopback, link-local, CGNAT, multicast or metadata address, unless the server allows it), `invalid_events` (not an array of at most 100 names), `unknown_event` (a name or `domain.*` that matches no event; `details` lists each `pattern`), `invalid_description` (over 500 characters)';

const idParam = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'The endpoint id (`whk_…`).',
  schema: { type: 'string', pattern: '^whk_[A-Za-z0-9]{1,64}$' },
};

const filterParams = [
  {
    name: 'events',
    in: 'query',
    description:
      'Comma-separated event names and domain wildcards (`incident.*`), as on the stream. An unknown name is a 400 `unknown_event`.',
    schema: { type: 'string' },
  },
  {
    name: 'incidentId',
    in: 'query',
    description: 'Only events whose `data.incidentId` is this incident.',
    schema: { $ref: schemaRef('IncidentId') },
  },
];

/** `GET /v1/events`: REST catch-up after a cursor. */
export function catchUpPaths(): Record<string, JsonSchema> {
  return {
    '/v1/events': {
      get: {
        operationId: 'listEvents',
        tags: ['events'],
        summary: 'Catch up: read retained events after a cursor, page by page',
        description:
          'Needs scope `events:read`; the tenant comes from the token. Pages of `{cursor, event}` in publish order. Pass `next` as `after` for the next page, or as `Last-Event-ID` to switch to the stream with no gap and no duplicate. `reset: true` when `after` is unknown or trimmed: the page then starts at the oldest retained event (same meaning as `stream.reset`).',
        security: [{ bearer: [] }],
        parameters: [
          {
            name: 'after',
            in: 'query',
            description:
              'A cursor from the stream (`id:`), a page (`cursor`, `next`) or a webhook (`causeflow-cursor`). Absent or empty: from the oldest retained event. A value that cannot be a cursor is a 400 `invalid_cursor`; a well-formed cursor the server does not know (or no longer retains) is not an error: the page has `reset: true`.',
            schema: { type: 'string' },
          },
          {
            name: 'limit',
            in: 'query',
            description: 'Events per page (a whole number; otherwise 400 `invalid_limit`).',
            schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
          ...filterParams,
        ],
        responses: {
          '200': ok('A page of events.', 'EventPage'),
          '400': error(
            '`invalid_limit` (`limit` not a whole number from 1 to 1000), `invalid_cursor` (`after` cannot be a cursor), `unknown_event` (a name in `events=` matches no event) or `invalid_incident_id` (a malformed `incidentId=`).',
          ),
          '401': unauthorized,
          '403': forbidden('events:read'),
          '503': error('The event log is unreachable (`bus_unavailable`); retry.'),
        },
      },
    },
  };
}

function endpointOps(): Record<string, JsonSchema> {
  return {
    get: {
      operationId: 'getWebhook',
      tags: ['webhooks'],
      summary: 'Get an endpoint',
      security: [{ bearer: [] }],
      parameters: [idParam],
      responses: {
        '200': ok('The endpoint (no secret).', 'WebhookEndpoint'),
        '401': unauthorized,
        '403': forbidden('webhooks:manage'),
        '404': notFound,
      },
    },
    patch: {
      operationId: 'updateWebhook',
      tags: ['webhooks'],
      summary: 'Update an endpoint (URL, events, description, enabled)',
      security: [{ bearer: [] }],
      parameters: [idParam],
      requestBody: { required: true, content: json('WebhookUpdate') },
      responses: {
        '200': ok('The updated endpoint.', 'WebhookEndpoint'),
        '400': error(`Nothing changed: ${bodyCodes}, or \`invalid_enabled\` (not a boolean).`),
        '401': unauthorized,
        '403': forbidden('webhooks:manage'),
        '404': notFound,
        '413': tooLarge,
        '415': notJson,
      },
    },
    delete: {
      operationId: 'deleteWebhook',
      tags: ['webhooks'],
      summary: 'Delete an endpoint; nothing more is delivered to it',
      security: [{ bearer: [] }],
      parameters: [idParam],
      responses: {
        '204': { description: 'Deleted.' },
        '401': unauthorized,
        '403': forbidden('webhooks:manage'),
        '404': notFound,
      },
    },
  };
}

function subresourceOps(): Record<string, JsonSchema> {
  return {
    '/v1/webhooks/{id}/rotate-secret': {
      post: {
        operationId: 'rotateWebhookSecret',
        tags: ['webhooks'],
        summary: 'Rotate the signing secret',
        description:
          'Returns the new secret (shown only here). The previous secret also signs every delivery for `WEBHOOK_SECRET_OVERLAP_MS` (24 h by default), so receivers can switch without losing a delivery.',
        security: [{ bearer: [] }],
        parameters: [idParam],
        responses: {
          '200': ok('The new secret.', 'WebhookSecret'),
          '401': unauthorized,
          '403': forbidden('webhooks:manage'),
          '404': notFound,
        },
      },
    },
    '/v1/webhooks/{id}/deliveries': {
      get: {
        operationId: 'listWebhookDeliveries',
        tags: ['webhooks'],
        summary: 'The delivery log, with every attempt',
        security: [{ bearer: [] }],
        parameters: [
          idParam,
          {
            name: 'status',
            in: 'query',
            description: 'Only deliveries in this state.',
            schema: { type: 'string', enum: ['pending', 'succeeded', 'failed'] },
          },
          {
            name: 'limit',
            in: 'query',
            description: 'Deliveries per page, newest first.',
            schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
          },
          {
            name: 'after',
            in: 'query',
            description: 'The `next` of the previous page (a delivery id, `dlv_…`).',
            schema: { type: 'string', pattern: '^dlv_[A-Za-z0-9]{1,64}$' },
          },
        ],
        responses: {
          '200': ok('A page of deliveries.', 'DeliveryPage'),
          '400': error(
            '`invalid_status` (not `pending`, `succeeded` or `failed`), `invalid_limit` (not a whole number from 1 to 100), `invalid_after` (not a delivery id) or `invalid_query` (a parameter given twice).',
          ),
          '401': unauthorized,
          '403': forbidden('webhooks:manage'),
          '404': notFound,
        },
      },
    },
    '/v1/webhooks/{id}/replay': {
      post: {
        operationId: 'replayWebhook',
        tags: ['webhooks'],
        summary: 'Re-deliver every matching retained event after a cursor',
        description:
          'Queues a new delivery of every retained event after `after` that the endpoint matches (`after` absent or `null`, or no body: every retained event). A cursor older than the retention starts at the oldest retained event.',
        security: [{ bearer: [] }],
        parameters: [idParam],
        requestBody: { required: false, content: json('ReplayRequest') },
        responses: {
          '202': ok('Deliveries queued.', 'ReplayQueued'),
          '400': error(
            '`invalid_cursor` (`after` is not a string of 1–512 characters), `unknown_cursor` (not a cursor of this tenant, or issued before a restart of a server without a persistent log), `invalid_body` or `invalid_json`; nothing was queued.',
          ),
          '401': unauthorized,
          '403': forbidden('webhooks:manage'),
          '404': notFound,
          '409': error('The endpoint is disabled (`endpoint_disabled`): enable it first.'),
          '413': tooLarge,
          '415': notJson,
          '429': error(
            'The replay would exceed the pending deliveries bound of the tenant or the server (`too_many_pending`); nothing was queued. Replay from a later cursor or wait.',
          ),
        },
      },
    },
  };
}

/** The webhook endpoints API (`/v1/webhooks…`, scope `webhooks:manage`). */
export function webhookPaths(_eventNames: readonly string[]): Record<string, JsonSchema> {
  return {
    '/v1/webhooks': {
      post: {
        operationId: 'createWebhook',
        tags: ['webhooks'],
        summary: 'Register an endpoint',
        description:
          'Every matching event is POSTed to `url`, signed per Standard Webhooks. The response carries the signing `secret` (`whsec_…`), shown only here and on rotation. Destinations must be `https` and public (`unsafe_url` otherwise) unless the server allows more.',
        security: [{ bearer: [] }],
        requestBody: { required: true, content: json('WebhookCreate') },
        responses: {
          '201': ok('The endpoint, with its secret.', 'WebhookEndpointWithSecret'),
          '400': error(`Nothing was created: ${bodyCodes}.`),
          '401': unauthorized,
          '403': forbidden('webhooks:manage'),
          '409': error(
            'The tenant (or the server) has as many endpoints as it may (`endpoint_limit`); delete one first.',
          ),
          '413': tooLarge,
          '415': notJson,
        },
      },
      get: {
        operationId: 'listWebhooks',
        tags: ['webhooks'],
        summary: "List the tenant's endpoints (no secrets)",
        security: [{ bearer: [] }],
        responses: {
          '200': ok('The endpoints.', 'WebhookList'),
          '401': unauthorized,
          '403': forbidden('webhooks:manage'),
        },
      },
    },
    '/v1/webhooks/{id}': endpointOps(),
    ...subresourceOps(),
  };
}

const eventsFilter = {
  type: 'array',
  maxItems: 100,
  items: { type: 'string', minLength: 1, maxLength: 200 },
  description: 'Event names and `domain.*` wildcards; absent, `null` or empty: every event.',
};

/** How a receiver authenticates a delivery: the Standard Webhooks signature header. */
export const WEBHOOK_SIGNATURE_SCHEME = {
  type: 'apiKey',
  in: 'header',
  name: 'webhook-signature',
  description:
    '`v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<raw body>">` with the endpoint secret, one entry per active secret, space-separated ([Standard Webhooks](https://www.standardwebhooks.com/)). Verify it on the raw body before parsing; see [/docs/webhooks.html](/docs/webhooks.html).',
} as const;

/** Schemas of the webhook API and of REST catch-up pages. */
export function webhookComponents(): Record<string, JsonSchema> {
  const endpoint = {
    id: { type: 'string', pattern: '^whk_[A-Za-z0-9]{1,64}$', description: '`whk_…`' },
    url: { type: 'string', format: 'uri', maxLength: 2048 },
    events: {
      ...eventsFilter,
      description: 'Event names and `domain.*` wildcards; empty: every event.',
    },
    description: { type: 'string', maxLength: 500, description: 'Empty when none was given.' },
    enabled: { type: 'boolean' },
    createdAt: { $ref: schemaRef('Timestamp') },
    disabledReason: {
      type: 'string',
      description:
        'Why the server disabled the endpoint (all deliveries failed for `WEBHOOK_DISABLE_AFTER_MS`).',
    },
  };
  const secret = {
    type: 'string',
    pattern: '^whsec_[A-Za-z0-9+/=]{32,}$',
    description: '`whsec_` + base64 of at least 24 random bytes.',
  };
  return {
    EventPage: {
      type: 'object',
      title: 'EventPage',
      required: ['events', 'next', 'hasMore', 'reset'],
      properties: {
        events: {
          type: 'array',
          items: {
            type: 'object',
            title: 'EventPageItem',
            required: ['cursor', 'event'],
            properties: { cursor: { type: 'string' }, event: { $ref: schemaRef('Event') } },
          },
        },
        next: {
          type: 'string',
          description:
            "Pass as `after` for the next page (or as `Last-Event-ID` to the stream): the cursor of the last event read, `after` itself when nothing followed it, and the tenant's origin cursor (the place before its first event) when the tenant has no retained event. A filtered page may hold fewer than `limit` events, even none, with `hasMore: true`: keep paging.",
        },
        hasMore: { type: 'boolean' },
        reset: {
          type: 'boolean',
          description:
            '`after` was unknown or trimmed: the page starts at the oldest retained event.',
        },
      },
    },
    WebhookEndpoint: {
      type: 'object',
      title: 'WebhookEndpoint',
      required: ['id', 'url', 'events', 'description', 'enabled', 'createdAt'],
      properties: endpoint,
    },
    WebhookEndpointWithSecret: {
      type: 'object',
      title: 'WebhookEndpointWithSecret',
      required: ['id', 'url', 'events', 'description', 'enabled', 'createdAt', 'secret'],
      properties: { ...endpoint, secret },
    },
    WebhookCreate: {
      type: 'object',
      title: 'WebhookCreate',
      required: ['url'],
      additionalProperties: false,
      properties: {
        url: { type: 'string', format: 'uri', maxLength: 2048 },
        events: eventsFilter,
        description: { type: 'string', maxLength: 500 },
      },
    },
    WebhookUpdate: {
      type: 'object',
      title: 'WebhookUpdate',
      additionalProperties: false,
      properties: {
        url: { type: 'string', format: 'uri', maxLength: 2048 },
        events: eventsFilter,
        description: { type: 'string', maxLength: 500 },
        enabled: {
          type: 'boolean',
          description:
            '`true` re-enables an endpoint the server disabled (clears `disabledReason`).',
        },
      },
    },
    WebhookList: {
      type: 'object',
      title: 'WebhookList',
      required: ['webhooks'],
      properties: { webhooks: { type: 'array', items: { $ref: schemaRef('WebhookEndpoint') } } },
    },
    WebhookSecret: {
      type: 'object',
      title: 'WebhookSecret',
      required: ['secret'],
      properties: { secret },
    },
    Delivery: {
      type: 'object',
      title: 'Delivery',
      required: ['id', 'eventId', 'event', 'cursor', 'status', 'attempts', 'nextAttemptAt'],
      properties: {
        id: { type: 'string', pattern: '^dlv_[A-Za-z0-9]{1,64}$' },
        eventId: { $ref: schemaRef('EventId') },
        event: { type: 'string', description: 'The event name.' },
        cursor: { type: 'string' },
        status: { type: 'string', enum: ['pending', 'succeeded', 'failed'] },
        attempts: {
          type: 'array',
          items: {
            type: 'object',
            title: 'DeliveryAttempt',
            required: ['at', 'statusCode', 'durationMs', 'error'],
            properties: {
              at: { $ref: schemaRef('Timestamp') },
              statusCode: {
                type: ['integer', 'null'],
                description: 'The HTTP status of the answer; `null` when none came.',
              },
              durationMs: { type: 'number', minimum: 0 },
              error: {
                type: ['string', 'null'],
                description:
                  '`null` on success; otherwise `timeout`, `redirect`, `http_<status>`, `connection_refused`, `connection_reset`, `dns_error`, `tls_error`, `connection_error`, `blocked_destination` or `endpoint_disabled`.',
              },
            },
          },
        },
        nextAttemptAt: {
          anyOf: [{ $ref: schemaRef('Timestamp') }, { type: 'null' }],
          description: 'When the next attempt is due; `null` when none is scheduled.',
        },
      },
    },
    DeliveryPage: {
      type: 'object',
      title: 'DeliveryPage',
      required: ['deliveries', 'next'],
      properties: {
        deliveries: { type: 'array', items: { $ref: schemaRef('Delivery') } },
        next: {
          type: ['string', 'null'],
          description: 'Pass as `after` for the next page; `null` at the end.',
        },
      },
    },
    ReplayRequest: {
      type: 'object',
      title: 'ReplayRequest',
      additionalProperties: false,
      properties: {
        after: {
          type: ['string', 'null'],
          minLength: 1,
          maxLength: 512,
          description:
            'A cursor (`causeflow-cursor` of a delivery, an `id:` of the stream, a `cursor` of `GET /v1/events`); absent or `null`: every retained event.',
        },
      },
    },
    ReplayQueued: {
      type: 'object',
      title: 'ReplayQueued',
      required: ['queued'],
      properties: { queued: { type: 'integer', minimum: 0 } },
    },
  };
}

const deliveryHeaders = [
  ['webhook-id', 'The event id; the same on every retry. De-duplicate on it.'],
  ['webhook-timestamp', 'Unix seconds of this attempt.'],
  ['causeflow-cursor', "The event's cursor (resume the stream, page REST, replay)."],
] as const;

/** The top-level `webhooks` section: one POST per event type, as a receiver gets it. */
export function eventWebhooks(model: DocsModel): Record<string, JsonSchema> {
  return Object.fromEntries(
    model.events.map((e) => [
      e.name,
      {
        post: {
          operationId: `receive_${e.name.replace(/\./g, '_')}`,
          tags: ['webhooks'],
          summary: `${e.title} (delivered to your endpoint)`,
          security: [{ webhookSignature: [] }],
          description: `${e.whenEmitted}. The body is the envelope as on the stream; verify \`webhook-signature\` on the raw body before parsing it.`,
          parameters: deliveryHeaders.map(([name, description]) => ({
            name,
            in: 'header',
            required: true,
            description,
            schema: { type: 'string' },
          })),
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: schemaRef(e.name) } } },
          },
          responses: {
            '200': { description: 'Any 2xx within 10 s: delivered.' },
            '4XX': {
              description:
                'Any other status (or none within 10 s): retried on the schedule; `Retry-After` on 429/503 is honoured.',
            },
          },
        },
      },
    ]),
  );
}
