import { fileURLToPath } from 'node:url';
import { Parser } from '@asyncapi/parser';
import { loadSchemaSet } from '@causeflow/codegen';
import { validate } from '@readme/openapi-parser';
import { describe, expect, it } from 'vitest';
import { buildAsyncApi } from './asyncapi.js';
import { docsModel } from './model.js';
import { buildOpenApi } from './openapi.js';

const set = await loadSchemaSet(fileURLToPath(new URL('../../../schemas', import.meta.url)));
const model = docsModel(set);
// biome-ignore lint/suspicious/noExplicitAny: walking generated JSON documents in assertions
type Doc = Record<string, any>;

describe('AsyncAPI document', () => {
  const doc = buildAsyncApi(model) as Doc;

  it('parses with @asyncapi/parser with no errors', async () => {
    const { document, diagnostics } = await new Parser().parse(JSON.stringify(doc));
    // Severity 0 is an error, 1 a warning (2 and 3 are information and hints).
    const problems = diagnostics.filter((d) => d.severity <= 1);
    expect(problems.map((d) => `${d.path.join('/')}: ${d.message}`)).toEqual([]);
    expect(document?.version()).toBe('3.0.0');
    expect(
      document
        ?.channels()
        .all()
        .map((c) => c.address()),
    ).toEqual(['/v1/notifications/stream']);
    expect(document?.messages().all()).toHaveLength(22);
  }, 60_000);

  it('is checked by a parser that does report a broken document', async () => {
    const broken = structuredClone(doc);
    broken.channels.notificationsStream.messages['incident.created'] = {
      $ref: '#/components/messages/nope',
    };
    const { diagnostics } = await new Parser().parse(JSON.stringify(broken));
    expect(diagnostics.filter((d) => d.severity === 0).length).toBeGreaterThan(0);
  }, 60_000);

  it('has one message per event plus ping and stream.reset, payloads by reference', () => {
    const messages = doc.components.messages as Record<string, Doc>;
    expect(Object.keys(messages).sort()).toEqual(
      [...model.events.map((e) => e.name), 'ping', 'stream.reset'].sort(),
    );
    const created = messages['incident.created']!;
    expect(created).toMatchObject({
      name: 'incident.created',
      title: 'Incident created',
      summary: 'A new incident is opened (automated or manual)',
      payload: { $ref: '#/components/schemas/incident.created' },
    });
    expect(created.examples[0].payload).toEqual(model.events[0]!.examples[0]);
    expect(messages['stream.reset']!.payload).toEqual({ $ref: '#/components/schemas/StreamReset' });
    expect(Object.keys(doc.channels.notificationsStream.messages)).toHaveLength(22);
  });

  it('points event schemas at shared components instead of defs.json', () => {
    const schema = doc.components.schemas['incident.created'] as Doc;
    expect(schema.$id).toBeUndefined();
    expect(schema.properties.data.properties.severity.$ref).toBe('#/components/schemas/Severity');
    expect(doc.components.schemas.Severity.enum).toEqual(['critical', 'high', 'medium', 'low']);
    expect(JSON.stringify(doc)).not.toContain('defs.json');
  });
});

describe('OpenAPI document', () => {
  const doc = buildOpenApi(model) as Doc;

  it('validates with @readme/openapi-parser', async () => {
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid ? [] : result.errors).toEqual([]);
  });

  it('is checked by a validator that does report a broken document', async () => {
    const broken = structuredClone(doc);
    broken.paths['/v1/events'].post.responses = { '202': { content: {} } };
    const result = await validate(broken as never);
    expect(result.valid).toBe(false);
  });

  it('describes ingest with every documented status and the error schema', () => {
    const ingest = doc.paths['/v1/events'].post;
    expect(Object.keys(ingest.responses).sort()).toEqual(
      ['202', '400', '401', '403', '413', '415', '503'].sort(),
    );
    expect(ingest.responses['400'].content['application/json'].schema.$ref).toBe(
      '#/components/schemas/Error',
    );
    expect(ingest.responses['401'].headers['WWW-Authenticate']).toBeDefined();
    expect(doc.components.schemas.Event.oneOf).toHaveLength(20);
  });

  it('has the tickets, stream and operations endpoints, with the stream query and headers', () => {
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/healthz',
        '/metrics',
        '/readyz',
        '/v1/events',
        '/v1/notifications/stream',
        '/v1/notifications/tickets',
        '/v1/webhooks',
        '/v1/webhooks/{id}',
        '/v1/webhooks/{id}/deliveries',
        '/v1/webhooks/{id}/replay',
        '/v1/webhooks/{id}/rotate-secret',
      ].sort(),
    );
    const params = doc.paths['/v1/notifications/stream'].get.parameters as Doc[];
    expect(params.map((p) => `${p.in}:${p.name}`)).toEqual([
      'query:events',
      'query:incidentId',
      'query:lastEventId',
      'query:ticket',
      'header:Last-Event-ID',
    ]);
    expect(Object.keys(doc.paths['/v1/notifications/stream'].get.responses['200'].content)).toEqual(
      ['text/event-stream'],
    );
  });
});

describe('the documents for consumers outside this repository', () => {
  const openapi = buildOpenApi(model) as Doc;
  const asyncapi = buildAsyncApi(model) as Doc;

  it('has a title on every payload schema and every inline object or enum under it', () => {
    const untitled: string[] = [];
    const walk = (schema: Doc, at: string): void => {
      if (schema.type === 'object' || Array.isArray(schema.enum)) {
        if (typeof schema.title !== 'string') untitled.push(at);
      }
      for (const [k, v] of Object.entries((schema.properties ?? {}) as Record<string, Doc>)) {
        walk(v, `${at}.${k}`);
      }
      if (schema.items && typeof schema.items === 'object') walk(schema.items, `${at}[]`);
    };
    for (const [name, schema] of Object.entries(
      asyncapi.components.schemas as Record<string, Doc>,
    )) {
      walk(schema, name);
    }
    expect(untitled).toEqual([]);
    expect(asyncapi.components.schemas['incident.created'].title).toBe('IncidentCreatedEvent');
    expect(asyncapi.components.schemas['incident.created'].properties.data.title).toBe(
      'IncidentCreatedData',
    );
  });

  it('makes the server address a variable, and links descriptions to real paths under /docs/', () => {
    expect(openapi.servers[0].url).toBe('{origin}');
    expect(openapi.servers[0].variables.origin.default).toBe('http://127.0.0.1:8080');
    expect(asyncapi.servers.production.host).toBe('{host}');
    const links = [...JSON.stringify(openapi).matchAll(/\]\((\/[^)]+)\)/g)].map((m) => m[1]);
    expect(links.length).toBeGreaterThan(0);
    for (const link of links) expect(link).toMatch(/^\/docs\/[a-z/]+\.(json|html)$/);
  });

  it('has one webhook per event type, with the envelope as its body and a signature', () => {
    expect(Object.keys(openapi.webhooks).sort()).toEqual(model.events.map((e) => e.name).sort());
    const hook = openapi.webhooks['remediation.approved'].post;
    expect(hook.requestBody.content['application/json'].schema.$ref).toBe(
      '#/components/schemas/remediation.approved',
    );
    expect(hook.security).toEqual([{ webhookSignature: [] }]);
    expect(hook.parameters.map((p: Doc) => p.name)).toEqual([
      'webhook-id',
      'webhook-timestamp',
      'causeflow-cursor',
    ]);
  });

  it('describes REST catch-up with the page shape of the contract', () => {
    const list = openapi.paths['/v1/events'].get;
    expect(list.parameters.map((p: Doc) => p.name)).toEqual([
      'after',
      'limit',
      'events',
      'incidentId',
    ]);
    expect(list.parameters[1].schema).toMatchObject({ minimum: 1, maximum: 1000, default: 100 });
    expect(openapi.components.schemas.EventPage.required).toEqual([
      'events',
      'next',
      'hasMore',
      'reset',
    ]);
    // next is always a cursor: the tenant's origin cursor when it has no retained event.
    expect(openapi.components.schemas.EventPage.properties.next.type).toBe('string');
    expect(Object.keys(list.responses)).toEqual(['200', '400', '401', '403', '503']);
  });
});
