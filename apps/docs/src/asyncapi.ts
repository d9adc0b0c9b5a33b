/**
 * The AsyncAPI 3.0 document of the stream, generated from the schema set: one channel
 * (`/v1/notifications/stream`, SSE over HTTP), one message per event plus the control events,
 * payloads by reference into `components.schemas`.
 */
import type { JsonSchema } from '@causeflow/codegen';
import { CONTROL_EVENT_DOCS } from './control.js';
import type { DocsModel } from './model.js';
import { rewriteRefs } from './schema.js';

/** Where components live in both API documents. */
export const schemaRef = (name: string): string => `#/components/schemas/${name}`;

/**
 * An event schema ready to sit in `components.schemas`: `$schema`/`$id` dropped (an `$id` would
 * rebase the `#/components/…` refs) and `defs.json` refs pointed at `components.schemas`.
 */
export function componentSchema(schema: JsonSchema): JsonSchema {
  const { $schema: _s, $id: _i, ...rest } = schema;
  return rewriteRefs(rest, schemaRef) as JsonSchema;
}

/** The shared defs, as components (`TenantId`, `Severity`, …), each titled with its name. */
export function defComponents(model: DocsModel): Record<string, JsonSchema> {
  return Object.fromEntries(
    Object.entries(model.defs).map(([name, def]) => [
      name,
      { title: name, ...componentSchema(def) },
    ]),
  );
}

const pascal = (key: string) =>
  key
    .replace(/(^|[^A-Za-z0-9])([a-z])/g, (_, _s, c: string) => c.toUpperCase())
    .replace(/[^A-Za-z0-9]/g, '');

/** Titles every inline object schema under `schema` after its path (`…DataTarget`, `…StepsItem`). */
function titleObjects(schema: JsonSchema, name: string): JsonSchema {
  const out: JsonSchema = { ...schema };
  const isObject =
    out.type === 'object' || (out.properties !== undefined && out.$ref === undefined);
  if (isObject || Array.isArray(out.enum)) out.title = name;
  if (out.properties && typeof out.properties === 'object') {
    out.properties = Object.fromEntries(
      Object.entries(out.properties as Record<string, JsonSchema>).map(([key, value]) => [
        key,
        titleObjects(value, `${name}${pascal(key)}`),
      ]),
    );
  }
  if (out.items && typeof out.items === 'object' && !Array.isArray(out.items)) {
    out.items = titleObjects(out.items as JsonSchema, `${name}Item`);
  }
  return out;
}

/**
 * An event schema as a component with the type names of `@causeflow/events` as titles
 * (`IncidentCreatedEvent`, its `data` `IncidentCreatedData`), so code generators (modelina)
 * name their models as we do instead of `AnonymousSchema_N`.
 */
export function eventComponent(event: { schema: JsonSchema; typeBase: string }): JsonSchema {
  const schema = componentSchema(event.schema);
  const props = { ...(schema.properties as Record<string, JsonSchema>) };
  if (props.data) props.data = titleObjects(props.data, `${event.typeBase}Data`);
  return { ...schema, title: `${event.typeBase}Event`, properties: props };
}

/** The channel's address. */
export const STREAM_PATH = '/v1/notifications/stream';

/**
 * Builds the AsyncAPI 3.0 document (a plain JSON value).
 * @example const doc = buildAsyncApi(docsModel(set)); JSON.stringify(doc, null, 2);
 */
export function buildAsyncApi(model: DocsModel): JsonSchema {
  const messageRef = (key: string) => ({ $ref: `#/components/messages/${key}` });
  const eventMessages = Object.fromEntries(
    model.events.map((e) => [
      e.name,
      {
        name: e.name,
        title: e.title,
        summary: e.whenEmitted,
        description: e.description,
        contentType: 'application/json',
        tags: [{ name: e.domain }],
        payload: { $ref: schemaRef(e.name) },
        examples: e.examples.map((payload, i) => ({
          name: `example${i + 1}`,
          summary: `${e.name} example ${i + 1}`,
          payload,
        })),
      },
    ]),
  );
  const controlMessages = Object.fromEntries(
    CONTROL_EVENT_DOCS.map((c) => [
      c.name,
      {
        name: c.name,
        title: c.title,
        summary: c.whenSent,
        description: c.description,
        contentType: 'application/json',
        tags: [{ name: 'control' }],
        payload: { $ref: schemaRef(c.key) },
        examples: [{ name: 'example1', payload: c.example }],
      },
    ]),
  );
  const allKeys = [...Object.keys(eventMessages), ...Object.keys(controlMessages)];
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'CauseFlow events',
      version: model.version,
      description:
        'Real-time CauseFlow events delivered over Server-Sent Events. Each SSE frame has `id:` (an opaque cursor to resume from with Last-Event-ID), `event:` (the event name) and `data:` (the JSON envelope). Generated from schemas/.',
      tags: model.domains.map((d) => ({
        name: d.key,
        description: `${d.title}: ${d.description}`,
      })),
    },
    defaultContentType: 'application/json',
    servers: {
      production: {
        host: '{host}',
        protocol: 'https',
        description: 'Your CauseFlow stream server; set `host` to its address.',
        variables: {
          host: {
            default: 'causeflow.example.com',
            description: 'Host (and port) of your stream server.',
          },
        },
        security: [{ $ref: '#/components/securitySchemes/bearer' }],
      },
      local: {
        host: '127.0.0.1:8080',
        protocol: 'http',
        description: 'A local stream server (`pnpm start` in the repository).',
        security: [{ $ref: '#/components/securitySchemes/bearer' }],
      },
    },
    channels: {
      notificationsStream: {
        address: STREAM_PATH,
        title: 'Notification stream',
        description:
          'GET with `Accept: text/event-stream`. Query: `events=` (names and `domain.*` wildcards, comma-separated), `incidentId=`, `lastEventId=`; header `Last-Event-ID` to replay after a cursor. Control events `ping` (heartbeat) and `stream.reset` (cursor not honoured) share the channel.',
        servers: [{ $ref: '#/servers/production' }, { $ref: '#/servers/local' }],
        messages: Object.fromEntries(allKeys.map((k) => [k, messageRef(k)])),
      },
    },
    operations: {
      receiveEvents: {
        action: 'receive',
        channel: { $ref: '#/channels/notificationsStream' },
        title: 'Receive events',
        summary: 'Events of the token tenant, live, after an optional replay.',
        security: [
          { $ref: '#/components/securitySchemes/bearer' },
          { $ref: '#/components/securitySchemes/ticket' },
        ],
        messages: allKeys.map((k) => ({ $ref: `#/channels/notificationsStream/messages/${k}` })),
      },
    },
    components: {
      schemas: {
        ...defComponents(model),
        ...Object.fromEntries(model.events.map((e) => [e.name, eventComponent(e)])),
        ...Object.fromEntries(
          CONTROL_EVENT_DOCS.map((c) => [c.key, titleObjects(c.schema, c.key)]),
        ),
      },
      messages: { ...eventMessages, ...controlMessages },
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'JWT with a `tenantId` claim; the stream carries only that tenant.',
        },
        ticket: {
          type: 'httpApiKey',
          name: 'ticket',
          in: 'query',
          description:
            'Single-use ticket from POST /v1/notifications/tickets, for EventSource (no headers).',
        },
      },
    },
  };
}
