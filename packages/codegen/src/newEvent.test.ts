import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { generate } from './generate.js';
import { lintSchemaSet } from './lint.js';
import { loadSchemaSet } from './load.js';
import type { JsonSchema, SchemaSet } from './model.js';
import {
  formatJson,
  type NewEventPlan,
  planNewEvent,
  TODO_MARK,
  titleFromName,
  withEvent,
} from './newEvent.js';

const schemasDir = join(resolve(dirname(fileURLToPath(import.meta.url)), '../../..'), 'schemas');
let set: SchemaSet;

beforeAll(async () => {
  set = await loadSchemaSet(schemasDir); // read only
});

function plan(name: string, extra: Record<string, string> = {}): NewEventPlan {
  const result = planNewEvent({ name, ...extra }, set);
  if (!result.ok) throw new Error(result.message);
  return result.plan;
}

function refusal(name: string, extra: Record<string, string> = {}): string {
  const result = planNewEvent({ name, ...extra }, set);
  if (result.ok) throw new Error(`expected "${name}" to be refused`);
  return result.message;
}

const dataOf = (schema: JsonSchema) => (schema.properties as Record<string, JsonSchema>).data!;

describe('planNewEvent', () => {
  it.each([
    'incident.merged',
    'investigation.agent_started',
    'remediation.rolled_back',
    'integration.paused',
    'knowledge.pattern_retired',
    'user.invited',
    'tenant.suspended',
  ])('creates a schema for %s that passes the lint as created', (name) => {
    const created = plan(name);
    expect(created.file).toBe(`events/${name}.json`);
    expect(lintSchemaSet(withEvent(set, created))).toEqual([]);
  });

  it('adds the event to the generated types, validators and catalog', async () => {
    const files = await generate(withEvent(set, plan('incident.merged')));
    expect(files.get('catalog.ts')).toContain('"incident.merged"');
    expect(files.get('types.ts')).toContain('IncidentMergedEvent');
    expect(files.get('validators.ts')).toContain('incident.merged');
  }, 30_000);

  it('uses the domain id as the starter field, with a valid example value', () => {
    const schema = plan('remediation.rolled_back').schema;
    expect(dataOf(schema).required).toEqual(['remediationId']);
    expect((schema.examples as JsonSchema[])[0]!.data).toEqual({
      remediationId: 'rem_01HX9VTPQR3KF8MZWBYD5N6JCE',
    });
  });

  it('falls back to a summary field for a domain without an id of its own', () => {
    const schema = plan('tenant.suspended').schema;
    expect(dataOf(schema).required).toEqual(['summary']);
    expect((schema.examples as JsonSchema[])[0]!.data).toEqual({ summary: 'Tenant suspended' });
  });

  it('takes the domain from the name prefix, or from --domain', () => {
    expect(plan('incident.merged').schema['x-domain']).toBe('incident');
    expect(plan('trigger.paused', { domain: 'integration' }).schema['x-domain']).toBe(
      'integration',
    );
  });

  it('uses --description and --when verbatim and asks only for the payload then', () => {
    const created = plan('incident.merged', {
      description: 'Two incidents were merged into one.',
      when: 'An incident is merged into another',
    });
    expect(created.schema.description).toBe('Two incidents were merged into one.');
    expect(created.schema['x-when-emitted']).toBe('An incident is merged into another');
    expect(created.edit.join('\n')).not.toContain('placeholder');
    expect(created.text).not.toContain(TODO_MARK);
  });

  it('marks the description and when-emitted it had to invent as TODO and lists them to edit', () => {
    const created = plan('incident.merged');
    expect(created.schema.description).toMatch(/^TODO:/);
    expect(created.schema['x-when-emitted']).toMatch(/^TODO:/);
    expect(created.edit).toEqual([
      '/description (placeholder text)',
      '/x-when-emitted (placeholder text)',
      '/properties/data (starter payload: "incidentId"; add the real fields, list them in "required")',
      '/examples/0 (make it a realistic payload; it must validate)',
    ]);
  });

  it('writes keys in the order of the schema conventions', () => {
    expect(Object.keys(plan('incident.merged').schema)).toEqual([
      '$schema',
      '$id',
      'title',
      'description',
      'x-domain',
      'x-when-emitted',
      'type',
      'required',
      'additionalProperties',
      'properties',
      'examples',
    ]);
  });

  it('refuses a name that exists', () => {
    expect(refusal('incident.created')).toBe(
      'event "incident.created" already exists (schemas/events/incident.created.json); edit that file instead',
    );
  });

  it.each([
    'Incident.merged',
    'incident',
    'incident.',
    '.merged',
    'incident.merged.twice',
    'incident.merged_',
    'incident.merged__x',
    'incident-x.merged',
    'incident.merged ok',
    '',
  ])('refuses the bad name %j', (name) => {
    expect(refusal(name)).toMatch(
      /is not a valid event name: use <domain>\.<action> in snake case/,
    );
  });

  it('refuses a prefix that is not a domain when --domain is missing', () => {
    expect(refusal('trigger.paused')).toBe(
      'cannot infer the domain of "trigger.paused": "trigger" is not a domain key; pass --domain <tenant|user|incident|investigation|remediation|integration|knowledge>',
    );
  });

  it('refuses an unknown --domain', () => {
    expect(refusal('incident.merged', { domain: 'billing' })).toMatch(
      /^unknown domain "billing"; known: tenant, user, incident/,
    );
  });
});

describe('titleFromName', () => {
  it.each([
    ['incident.created', 'Incident created'],
    ['investigation.root_cause_found', 'Investigation root cause found'],
  ])('turns %s into %s', (name, title) => {
    expect(titleFromName(name)).toBe(title);
  });
});

describe('formatJson', () => {
  it.each([
    [{}, '{}\n'],
    [{ a: [] }, '{\n  "a": []\n}\n'],
    [{ a: ['x', 'y'] }, '{\n  "a": ["x", "y"]\n}\n'],
    [{ a: [{ b: 1 }] }, '{\n  "a": [\n    {\n      "b": 1\n    }\n  ]\n}\n'],
    [
      { a: Array.from({ length: 12 }, (_, i) => `value_${i}`) },
      `{\n  "a": [\n${Array.from({ length: 12 }, (_, i) => `    "value_${i}"`).join(',\n')}\n  ]\n}\n`,
    ],
  ])('lays out %j as Biome does', (value, text) => {
    expect(formatJson(value)).toBe(text);
  });

  it('round-trips the created schema', () => {
    const created = plan('incident.merged');
    expect(JSON.parse(created.text)).toEqual(created.schema);
  });
});
