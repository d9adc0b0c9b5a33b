/**
 * The OpenAPI 3.1 document of the stream server's HTTP endpoints: ingest, tickets, the stream,
 * health, readiness and metrics. Event bodies are the event schemas, by reference.
 */
import type { JsonSchema } from '@causeflow/codegen';
import { defComponents, eventComponent, STREAM_PATH, schemaRef } from './asyncapi.js';
import type { DocsModel } from './model.js';
import {
  catchUpPaths,
  eventWebhooks,
  WEBHOOK_SIGNATURE_SCHEME,
  webhookComponents,
  webhookPaths,
} from './openapiWebhooks.js';

const errorResponse = (description: string, extra: JsonSchema = {}) => ({
  description,
  content: { 'application/json': { schema: { $ref: schemaRef('Error') } } },
  ...extra,
});

const unauthorized = errorResponse('Missing, invalid or expired token (`invalid_token`).', {
  headers: {
    'WWW-Authenticate': {
      description: '`Bearer error="invalid_token"`',
      schema: { type: 'string' },
    },
  },
});

/**
 * Builds the OpenAPI 3.1 document (a plain JSON value).
 * @example const doc = buildOpenApi(docsModel(set));
 */
export function buildOpenApi(model: DocsModel): JsonSchema {
  const eventNames = model.events.map((e) => e.name);
  return {
    openapi: '3.1.0',
    info: {
      title: 'CauseFlow stream server',
      version: model.version,
      description:
        'HTTP endpoints of the CauseFlow stream server: publish events, open the SSE stream, get tickets for EventSource, catch up over REST, manage webhook endpoints, health and metrics. The events themselves are described in the AsyncAPI document, [/docs/asyncapi.json](/docs/asyncapi.json) (readable at [/docs/reference/asyncapi.html](/docs/reference/asyncapi.html)); this document is [/docs/openapi.json](/docs/openapi.json). Generated from schemas/.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [
      {
        url: '{origin}',
        description: 'Your CauseFlow stream server.',
        variables: {
          origin: {
            default: 'http://127.0.0.1:8080',
            description:
              'Scheme, host and port of your server, e.g. `https://causeflow.example.com`; the default is a local server (`pnpm start`).',
          },
        },
      },
    ],
    tags: [
      { name: 'events', description: 'Publishing and receiving events' },
      { name: 'webhooks', description: 'Webhook endpoints, deliveries and replay' },
      { name: 'operations', description: 'Health, readiness and metrics' },
    ],
    paths: {
      ...catchUpPaths(),
      ...webhookPaths(eventNames),
      '/v1/events': {
        ...catchUpPaths()['/v1/events'],
        post: {
          operationId: 'publishEvents',
          tags: ['events'],
          summary: 'Publish one event or a batch',
          description:
            'Needs a token with scope `events:publish`. A token with a `tenantId` claim may publish only for that tenant; one without is a service token. Every event is validated; a batch is all-or-nothing. An `id` is assigned to events that have none.',
          security: [{ bearer: [] }],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  oneOf: [
                    { $ref: schemaRef('Event') },
                    { type: 'array', minItems: 1, items: { $ref: schemaRef('Event') } },
                  ],
                },
                examples: Object.fromEntries(
                  model.events.map((e) => [e.name, { summary: e.title, value: e.examples[0] }]),
                ),
              },
            },
          },
          responses: {
            '202': {
              description: 'Accepted: every event was appended to the log.',
              content: { 'application/json': { schema: { $ref: schemaRef('Accepted') } } },
            },
            '400': {
              description:
                'Nothing of the batch was published: `invalid_event` (with `details`), `invalid_json`, `empty_batch`.',
              content: { 'application/json': { schema: { $ref: schemaRef('Error') } } },
            },
            '401': unauthorized,
            '403': errorResponse(
              'The token lacks scope `events:publish` (`insufficient_scope`) or publishes for another tenant (`tenant_mismatch`).',
            ),
            '413': errorResponse('Body too large (`payload_too_large`).'),
            '415': errorResponse(
              'Body is not `application/json` (`unsupported_media_type`) or has an unsupported encoding.',
            ),
            '503': errorResponse('The event log is unavailable (`bus_unavailable`); retry later.'),
          },
        },
      },
      '/v1/notifications/tickets': {
        post: {
          operationId: 'createTicket',
          tags: ['events'],
          summary: 'Get a single-use ticket for EventSource',
          description:
            'Exchanges the bearer token for a short-lived, single-use ticket to pass as `?ticket=` on the stream, so the long-lived JWT never goes into a URL.',
          security: [{ bearer: [] }],
          responses: {
            '200': {
              description: 'A ticket.',
              content: { 'application/json': { schema: { $ref: schemaRef('Ticket') } } },
            },
            '401': unauthorized,
            '403': errorResponse(
              'The token has no valid `tenantId` claim (`tenant_required`, `invalid_tenant`).',
            ),
            '429': errorResponse(
              'Too many outstanding tickets (`too_many_tickets`); retry shortly.',
            ),
          },
        },
      },
      [STREAM_PATH]: {
        get: {
          operationId: 'openStream',
          tags: ['events'],
          summary: 'Open the event stream (Server-Sent Events)',
          description:
            'Sends a `retry:` line, then one frame per event: `id: <cursor>`, `event: <name>`, `data: <envelope JSON>`. `ping` every heartbeat; `stream.reset` first when the Last-Event-ID cannot be honoured. The frames are described in the AsyncAPI document.',
          security: [{ bearer: [] }, { ticket: [] }],
          parameters: [
            {
              name: 'events',
              in: 'query',
              description:
                'Comma-separated event names and domain wildcards (`incident.*`); all events when absent. An unknown name is a 400.',
              schema: { type: 'string' },
              example: 'incident.*,remediation.approved',
            },
            {
              name: 'incidentId',
              in: 'query',
              description: 'Only events whose `data.incidentId` is this incident.',
              schema: { $ref: schemaRef('IncidentId') },
            },
            {
              name: 'lastEventId',
              in: 'query',
              description:
                'Same as the `Last-Event-ID` header, for clients that cannot set headers.',
              schema: { type: 'string' },
            },
            {
              name: 'ticket',
              in: 'query',
              description: 'Single-use ticket from POST /v1/notifications/tickets.',
              schema: { type: 'string' },
            },
            {
              name: 'Last-Event-ID',
              in: 'header',
              description:
                'Replay every event of the tenant after this cursor, then continue live, with no gap and no duplicate.',
              schema: { type: 'string' },
            },
          ],
          responses: {
            '200': {
              description: 'The stream; never compressed.',
              headers: {
                'Cache-Control': { schema: { type: 'string', const: 'no-cache' } },
                'X-Accel-Buffering': { schema: { type: 'string', const: 'no' } },
              },
              content: {
                'text/event-stream': {
                  schema: { type: 'string', description: 'SSE frames.' },
                  example: `retry: 3000\n\nid: 1711980000000-0\nevent: ${eventNames[0] ?? 'ping'}\ndata: ${JSON.stringify(model.events[0]?.examples[0] ?? {})}\n\n`,
                },
              },
            },
            '400': errorResponse(
              'Unknown event name in `events=` (`unknown_event`), bad `incidentId=` or `Last-Event-ID`.',
            ),
            '401': unauthorized,
            '403': errorResponse('The token has no valid `tenantId` claim (`tenant_required`).'),
            '429': errorResponse("Over the tenant's connection limit (`too_many_connections`)."),
            '503': errorResponse('The server is shutting down (`draining`); reconnect.'),
          },
        },
      },
      '/healthz': {
        get: {
          operationId: 'health',
          security: [],
          tags: ['operations'],
          summary: 'Liveness: the process is up',
          responses: {
            '200': {
              description: 'Up.',
              content: { 'application/json': { schema: { $ref: schemaRef('Status') } } },
            },
            '405': errorResponse('Another method than GET or HEAD (`method_not_allowed`).'),
          },
        },
      },
      '/readyz': {
        get: {
          operationId: 'ready',
          security: [],
          tags: ['operations'],
          summary: 'Readiness: the event log is reachable',
          responses: {
            '200': {
              description: 'Ready (`{"status":"ready"}`).',
              content: { 'application/json': { schema: { $ref: schemaRef('Status') } } },
            },
            '405': errorResponse('Another method than GET or HEAD (`method_not_allowed`).'),
            '503': {
              description: 'Not ready: `unavailable` (event log unreachable) or `draining`.',
              content: { 'application/json': { schema: { $ref: schemaRef('Status') } } },
            },
          },
        },
      },
      '/metrics': {
        get: {
          operationId: 'metrics',
          security: [],
          tags: ['operations'],
          summary: 'Prometheus metrics',
          responses: {
            '200': {
              description: 'Metrics in the Prometheus text format.',
              content: { 'text/plain': { schema: { type: 'string' } } },
            },
            '405': errorResponse('Another method than GET (`method_not_allowed`).'),
          },
        },
      },
    },
    components: {
      schemas: {
        ...defComponents(model),
        ...Object.fromEntries(model.events.map((e) => [e.name, eventComponent(e)])),
        ...webhookComponents(),
        Event: {
          description: 'Any catalog event, told apart by `event`.',
          oneOf: eventNames.map((n) => ({ $ref: schemaRef(n) })),
          discriminator: {
            propertyName: 'event',
            mapping: Object.fromEntries(eventNames.map((n) => [n, schemaRef(n)])),
          },
        },
        Accepted: {
          type: 'object',
          required: ['accepted', 'ids'],
          properties: {
            accepted: { type: 'integer', minimum: 0, description: 'Number of events appended.' },
            ids: {
              type: 'array',
              items: { $ref: schemaRef('EventId') },
              description: 'The `id` of each event, in request order.',
            },
          },
        },
        Status: {
          type: 'object',
          required: ['status'],
          properties: {
            status: { type: 'string', enum: ['ok', 'ready', 'unavailable', 'draining'] },
          },
        },
        Ticket: {
          type: 'object',
          required: ['ticket', 'expiresAt'],
          properties: {
            ticket: {
              type: 'string',
              description: 'Pass as `?ticket=` on the stream; single use.',
            },
            expiresAt: { $ref: schemaRef('Timestamp') },
          },
        },
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: {
                code: {
                  type: 'string',
                  description:
                    'Machine-readable code: `invalid_token`, `tenant_required`, `invalid_tenant`, `insufficient_scope`, `tenant_mismatch`, `invalid_event`, `invalid_json`, `empty_batch`, `unknown_event`, `invalid_incident_id`, `invalid_last_event_id`, `payload_too_large`, `unsupported_media_type`, `unsupported_encoding`, `too_many_connections`, `too_many_tickets`, `bus_unavailable`, `draining`; REST catch-up: `invalid_limit`, `invalid_cursor`; webhooks API: `not_found`, `invalid_body`, `invalid_url`, `unsafe_url`, `invalid_events`, `invalid_description`, `invalid_enabled`, `invalid_status`, `invalid_after`, `invalid_query`, `unknown_cursor`, `endpoint_limit`, `endpoint_disabled`, `too_many_pending`, …',
                },
                message: { type: 'string', description: 'Human-readable explanation.' },
                details: {
                  type: 'array',
                  description:
                    'One entry per problem: for `invalid_event` and `tenant_mismatch` the batch `index` and JSON pointer `path`; for `unknown_event` (stream, catch-up, webhook `events`) the `pattern` that matches no event.',
                  items: { $ref: schemaRef('ErrorDetail') },
                },
              },
            },
          },
        },
        ErrorDetail: {
          type: 'object',
          required: ['message'],
          properties: {
            message: { type: 'string', description: 'What is wrong.' },
            index: { type: 'integer', minimum: 0, description: 'Index in the batch.' },
            path: { type: 'string', description: 'JSON pointer, e.g. `/data/severity`.' },
            keyword: { type: 'string', description: 'The JSON Schema keyword that failed.' },
            pattern: {
              type: 'string',
              description:
                'For `unknown_event`: the name or wildcard of `events=` that matches no event.',
            },
          },
        },
      },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        ticket: { type: 'apiKey', name: 'ticket', in: 'query' },
        webhookSignature: WEBHOOK_SIGNATURE_SCHEME,
      },
    },
    webhooks: eventWebhooks(model),
  };
}
