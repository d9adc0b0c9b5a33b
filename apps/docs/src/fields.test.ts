import { fileURLToPath } from 'node:url';
import { loadSchemaSet } from '@causeflow/codegen';
import { describe, expect, it } from 'vitest';
import { constraintsOf, envelopeRows, fieldRows, payloadRows, typeLabel } from './fields.js';
import { defsOf } from './schema.js';

const defs = {
  Timestamp: { title: 'Timestamp', description: 'A time.', type: 'string', format: 'date-time' },
  Severity: { title: 'Severity', description: 'Impact.', type: 'string', enum: ['high', 'low'] },
  IncidentId: {
    title: 'IncidentId',
    description: 'An incident.',
    type: 'string',
    pattern: '^inc_[a-z]+$',
  },
};

const data = {
  type: 'object',
  required: ['target', 'items', 'severity'],
  additionalProperties: false,
  properties: {
    target: {
      type: 'object',
      description: 'What is affected.',
      required: ['service'],
      properties: {
        service: { type: 'string', minLength: 1, maxLength: 100, description: 'Service name.' },
        region: { type: 'string', description: 'Cloud region.' },
      },
    },
    items: {
      type: 'array',
      description: 'Timeline.',
      minItems: 1,
      items: {
        type: 'object',
        required: ['at'],
        properties: {
          at: { $ref: '../defs.json#/$defs/Timestamp', description: 'When it happened.' },
          note: { type: 'string', description: 'What happened.' },
        },
      },
    },
    tags: {
      type: 'array',
      description: 'Labels.',
      uniqueItems: true,
      items: { type: 'string', enum: ['a', 'b'], maxLength: 10, description: 'One label.' },
    },
    related: {
      type: 'array',
      items: { $ref: '../defs.json#/$defs/IncidentId' },
      description: 'Related.',
    },
    severity: { $ref: '../defs.json#/$defs/Severity', description: 'Current severity.' },
    count: { type: 'integer', minimum: 0, default: 0, description: 'How many.' },
    ratio: { type: ['number', 'null'], exclusiveMinimum: 0, maximum: 1, description: 'Share.' },
    previous: { type: 'string', description: 'Before.' },
    next: { type: 'string', description: 'After.' },
  },
  dependentRequired: { previous: ['next'] },
};

const byPath = (rows: ReturnType<typeof fieldRows>) => new Map(rows.map((r) => [r.path, r]));

describe('fieldRows', () => {
  const rows = byPath(fieldRows(data, defs, 'data'));

  it('flattens nested objects into JSON paths, with required relative to the parent', () => {
    expect(rows.get('data.target')).toMatchObject({ type: 'object', required: true });
    expect(rows.get('data.target.service')).toMatchObject({
      type: 'string',
      required: true,
      constraints: ['length 1–100'],
      description: 'Service name.',
    });
    expect(rows.get('data.target.region')).toMatchObject({ required: false });
  });

  it('lists the properties of array items under path[]', () => {
    expect(rows.get('data.items')).toMatchObject({ type: 'object[]', constraints: ['items ≥ 1'] });
    expect(rows.get('data.items[].at')).toMatchObject({
      type: 'string',
      def: 'Timestamp',
      format: 'date-time',
      required: true,
      description: 'When it happened.',
    });
    expect(rows.get('data.items[].note')).toMatchObject({ required: false });
  });

  it('folds scalar items into the array row: enum, item constraints and item description', () => {
    expect(rows.get('data.tags')).toMatchObject({
      type: 'string[]',
      enum: ['a', 'b'],
      required: false,
      constraints: ['unique items', 'each item: length ≤ 10'],
      description: 'Labels. Each item: One label.',
    });
    expect(rows.has('data.tags[]')).toBe(false);
    expect(rows.get('data.related')).toMatchObject({
      type: 'string[]',
      def: 'IncidentId',
      pattern: '^inc_[a-z]+$',
    });
  });

  it('resolves $refs into the def, shows its name, and keeps the local description', () => {
    expect(rows.get('data.severity')).toEqual({
      path: 'data.severity',
      type: 'string',
      def: 'Severity',
      required: true,
      enum: ['high', 'low'],
      constraints: [],
      description: 'Current severity.',
    });
  });

  it('describes bounds, defaults, nullable types and dependent fields', () => {
    expect(rows.get('data.count')).toMatchObject({
      type: 'integer',
      constraints: ['value ≥ 0', 'default: 0'],
    });
    expect(rows.get('data.ratio')).toMatchObject({
      type: 'number | null',
      constraints: ['0 < value ≤ 1'],
    });
    expect(rows.get('data.previous')?.constraints).toEqual(['requires next']);
    expect(rows.get('data.next')?.constraints).toEqual([]);
  });

  it('keeps the schema property order, depth first', () => {
    expect([...rows.keys()]).toEqual([
      'data.target',
      'data.target.service',
      'data.target.region',
      'data.items',
      'data.items[].at',
      'data.items[].note',
      'data.tags',
      'data.related',
      'data.severity',
      'data.count',
      'data.ratio',
      'data.previous',
      'data.next',
    ]);
  });
});

describe('typeLabel and constraintsOf', () => {
  it('labels const, enum-only, oneOf and untyped schemas', () => {
    expect(typeLabel({ const: 'incident.created' }, {})).toBe('string');
    expect(typeLabel({ enum: [1, 2] }, {})).toBe('integer');
    expect(typeLabel({ oneOf: [{ type: 'string' }, { $ref: '#/$defs/Severity' }] }, defs)).toBe(
      'string | string',
    );
    expect(typeLabel({}, {})).toBe('any');
    expect(typeLabel({ type: 'array', items: { type: ['string', 'null'] } }, {})).toBe(
      '(string | null)[]',
    );
  });

  it('phrases every constraint keyword', () => {
    expect(
      constraintsOf({
        const: 'x',
        minimum: 1,
        maximum: 5,
        multipleOf: 2,
        minItems: 1,
        maxItems: 3,
        minProperties: 1,
        deprecated: true,
      }),
    ).toEqual([
      'const "x"',
      '1 ≤ value ≤ 5',
      'multiple of 2',
      'items 1–3',
      'properties ≥ 1',
      'deprecated',
    ]);
    expect(constraintsOf({ exclusiveMaximum: 10 })).toEqual(['value < 10']);
  });
});

describe('rows of the real schemas', async () => {
  const set = await loadSchemaSet(fileURLToPath(new URL('../../../schemas', import.meta.url)));
  const realDefs = defsOf(set.defs.schema);
  const schemaOf = (name: string) =>
    set.events.find((e) => e.file === `events/${name}.json`)!.schema;

  it('documents every data property of incident.created with its required flag and def', () => {
    const rows = payloadRows(schemaOf('incident.created'), realDefs);
    expect(rows.map((r) => [r.path, r.required, r.def])).toEqual([
      ['data.incidentId', true, 'IncidentId'],
      ['data.title', true, undefined],
      ['data.severity', true, 'Severity'],
      ['data.status', true, 'IncidentStatus'],
      ['data.source', true, 'IncidentSource'],
      ['data.createdBy', false, 'UserId'],
    ]);
    expect(rows.find((r) => r.path === 'data.severity')?.enum).toEqual([
      'critical',
      'high',
      'medium',
      'low',
    ]);
  });

  it('shows the envelope with the event const, the optional id and the formatted timestamp', () => {
    const rows = envelopeRows(schemaOf('incident.created'), realDefs);
    expect(rows.map((r) => [r.path, r.required])).toEqual([
      ['event', true],
      ['id', false],
      ['timestamp', true],
      ['tenantId', true],
      ['data', true],
    ]);
    expect(rows[0]?.constraints).toEqual(['const "incident.created"']);
    expect(rows[2]).toMatchObject({ def: 'Timestamp', format: 'date-time' });
    expect(rows[4]?.constraints).toEqual([]);
  });
});
