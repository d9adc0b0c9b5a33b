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
    const errors = diagnostics.filter((d) => d.severity === 0);
    expect(errors.map((d) => `${d.path.join('/')}: ${d.message}`)).toEqual([]);
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
