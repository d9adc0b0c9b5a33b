import { describe, expect, it } from 'vitest';
import {
  type Change,
  type ChangeRule,
  compareSchemaSets,
  EMPTY_SCHEMA_SET,
  formatChange,
  formatSummary,
  lintVersioning,
  schemaSetFromFiles,
  summarize,
  type Verdict,
} from './compat.js';
import type { JsonSchema, SchemaSet } from './model.js';

// biome-ignore lint/suspicious/noExplicitAny: fixtures are edited freely by the cases below
type Loose = any;

const ref = (def: string) => ({ $ref: `../defs.json#/$defs/${def}` });

function eventSchema(name: string, data: JsonSchema): JsonSchema {
  return {
    $id: `https://schemas.causeflow.dev/events/${name}.json`,
    title: name,
    description: `The ${name} event.`,
    'x-domain': 'incident',
    'x-when-emitted': 'Sometimes',
    type: 'object',
    required: ['event', 'timestamp', 'tenantId', 'data'],
    additionalProperties: false,
    properties: {
      event: { const: name, description: 'Event name.' },
      timestamp: ref('Timestamp'),
      tenantId: ref('TenantId'),
      data,
    },
    examples: [],
  };
}

/** A small set: two events sharing the Severity def, one with nested objects and arrays. */
function fixture(): SchemaSet {
  return {
    defs: {
      file: 'defs.json',
      schema: {
        $id: 'https://schemas.causeflow.dev/defs.json',
        $defs: {
          TenantId: { title: 'TenantId', type: 'string', pattern: '^ten_[a-z0-9]+$' },
          IncidentId: {
            title: 'IncidentId',
            description: 'An incident.',
            type: 'string',
            pattern: '^inc_[a-z0-9]+$',
          },
          Timestamp: { title: 'Timestamp', type: 'string', format: 'date-time' },
          Severity: { title: 'Severity', type: 'string', enum: ['critical', 'high', 'low'] },
        },
      },
    },
    envelope: { file: 'envelope.json', schema: {} },
    domains: [{ key: 'incident', title: 'Incident', description: 'Incidents.' }],
    events: [
      {
        file: 'events/incident.closed.json',
        schema: eventSchema('incident.closed', {
          type: 'object',
          required: ['incidentId', 'severity'],
          additionalProperties: false,
          properties: {
            incidentId: { ...ref('IncidentId'), description: 'The incident.' },
            severity: { ...ref('Severity'), description: 'Final severity.' },
          },
        }),
      },
      {
        file: 'events/incident.created.json',
        schema: eventSchema('incident.created', {
          type: 'object',
          required: ['incidentId', 'title', 'severity', 'count'],
          additionalProperties: false,
          properties: {
            incidentId: { ...ref('IncidentId'), description: 'The incident.' },
            title: { type: 'string', description: 'Title.', minLength: 1, maxLength: 500 },
            severity: { ...ref('Severity'), description: 'Severity.' },
            count: { type: 'integer', description: 'Count.', minimum: 0 },
            score: { type: 'number', description: 'Score.', minimum: 0, maximum: 1 },
            state: { type: 'string', description: 'State.', enum: ['open', 'closed'] },
            note: { type: ['string', 'null'], description: 'Note.' },
            link: { type: 'string', description: 'Link.' },
            tags: {
              type: 'array',
              description: 'Tags.',
              items: { type: 'string', enum: ['db', 'net'] },
            },
            owner: {
              type: 'object',
              description: 'Owner.',
              required: ['name'],
              properties: {
                name: { type: 'string', description: 'Name.' },
                team: { type: 'string', description: 'Team.' },
              },
            },
          },
        }),
      },
    ],
  };
}

type Edit = (set: Loose) => void;
const CREATED = 1;
const CLOSED = 0;
const data = (set: Loose, i = CREATED): Loose => set.events[i].schema.properties.data;
const prop = (set: Loose, name: string, i = CREATED): Loose => data(set, i).properties[name];
const P = '/properties/data/properties';

interface Case {
  readonly name: string;
  readonly edit: Edit;
  /** Edit applied to the base instead (for cases about what the base declared). */
  readonly editBase?: Edit;
  readonly want: readonly [Verdict, string, string, ChangeRule][];
  readonly failed?: boolean;
}

const cases: Case[] = [
  // events
  { name: 'an unchanged set has no changes', edit: () => {}, want: [], failed: false },
  {
    name: 'an added event is compatible',
    edit: (s) =>
      s.events.push({
        file: 'events/incident.merged.json',
        schema: eventSchema('incident.merged', { type: 'object', properties: {} }),
      }),
    want: [['compatible', 'incident.merged', '', 'event-added']],
    failed: false,
  },
  {
    name: 'a removed event is breaking',
    edit: (s) => s.events.splice(CLOSED, 1),
    want: [['breaking', 'incident.closed', '', 'event-removed']],
    failed: true,
  },
  {
    name: 'a renamed event (same payload under a new name) is breaking',
    edit: (s) => {
      s.events[CLOSED] = {
        file: 'events/incident.finished.json',
        schema: eventSchema('incident.finished', data(s, CLOSED)),
      };
    },
    want: [
      ['breaking', 'incident.closed', '', 'event-renamed'],
      ['compatible', 'incident.finished', '', 'event-added'],
    ],
    failed: true,
  },
  {
    name: 'removing an event deprecated in the base is breaking but declared',
    editBase: (s) => {
      s.events[CLOSED].schema.deprecated = true;
    },
    edit: (s) => s.events.splice(CLOSED, 1),
    want: [['breaking', 'incident.closed', '', 'event-removed']],
    failed: false,
  },
  // properties
  {
    name: 'a removed property is breaking',
    edit: (s) => delete data(s).properties.link,
    want: [['breaking', 'incident.created', `${P}/link`, 'property-removed']],
    failed: true,
  },
  {
    name: 'a renamed property (same schema, new key) is breaking',
    edit: (s) => {
      data(s).properties.url = prop(s, 'link');
      delete data(s).properties.link;
    },
    want: [['breaking', 'incident.created', `${P}/link`, 'property-renamed']],
    failed: true,
  },
  {
    name: 'an optional property becoming required is breaking',
    edit: (s) => data(s).required.push('link'),
    want: [['breaking', 'incident.created', `${P}/link`, 'property-now-required']],
    failed: true,
  },
  {
    name: 'a new required property is breaking (old events lack it)',
    edit: (s) => {
      data(s).properties.region = { type: 'string', description: 'Region.' };
      data(s).required.push('region');
    },
    want: [['breaking', 'incident.created', `${P}/region`, 'property-added-required']],
    failed: true,
  },
  {
    // Readers validate tolerantly (unknown properties accepted), so this is safe for old readers.
    name: 'a new optional property on a strict object is compatible',
    edit: (s) => {
      data(s).properties.region = { type: 'string', description: 'Region.' };
    },
    want: [['compatible', 'incident.created', `${P}/region`, 'property-added-optional']],
    failed: false,
  },
  {
    name: 'a new optional property on an open nested object is compatible',
    edit: (s) => {
      prop(s, 'owner').properties.email = { type: 'string', description: 'Email.' };
    },
    want: [
      ['compatible', 'incident.created', `${P}/owner/properties/email`, 'property-added-optional'],
    ],
    failed: false,
  },
  {
    name: 'a required property made optional needs a decision',
    edit: (s) => {
      data(s).required = data(s).required.filter((r: string) => r !== 'title');
    },
    want: [['decision', 'incident.created', `${P}/title`, 'property-now-optional']],
    failed: false,
  },
  {
    name: 'a required property removed is breaking (readers rely on it)',
    edit: (s) => {
      delete data(s).properties.title;
      data(s).required = data(s).required.filter((r: string) => r !== 'title');
    },
    want: [['breaking', 'incident.created', `${P}/title`, 'property-removed']],
    failed: true,
  },
  {
    name: 'a nested property removed is breaking at its nested pointer',
    edit: (s) => delete prop(s, 'owner').properties.team,
    want: [['breaking', 'incident.created', `${P}/owner/properties/team`, 'property-removed']],
    failed: true,
  },
  {
    name: 'a nested optional property made required is breaking',
    edit: (s) => prop(s, 'owner').required.push('team'),
    want: [['breaking', 'incident.created', `${P}/owner/properties/team`, 'property-now-required']],
    failed: true,
  },
  // types
  {
    name: 'a changed type is breaking, and nothing below it is compared',
    edit: (s) => {
      data(s).properties.owner = { type: 'string', description: 'Owner.' };
    },
    want: [['breaking', 'incident.created', `${P}/owner`, 'type-narrowed']],
    failed: true,
  },
  {
    name: 'a narrowed type (null no longer allowed) is breaking',
    edit: (s) => {
      prop(s, 'note').type = 'string';
    },
    want: [['breaking', 'incident.created', `${P}/note`, 'type-narrowed']],
    failed: true,
  },
  {
    name: 'integer widened to number needs a decision',
    edit: (s) => {
      prop(s, 'count').type = 'number';
    },
    want: [['decision', 'incident.created', `${P}/count`, 'type-widened']],
    failed: false,
  },
  // enums
  {
    name: 'an inline enum value removed is breaking',
    edit: (s) => {
      prop(s, 'state').enum = ['open'];
    },
    want: [['breaking', 'incident.created', `${P}/state`, 'enum-value-removed']],
    failed: true,
  },
  {
    name: 'an enum value added needs a decision',
    edit: (s) => prop(s, 'state').enum.push('merged'),
    want: [['decision', 'incident.created', `${P}/state`, 'enum-value-added']],
    failed: false,
  },
  {
    name: 'a def enum losing a value breaks every event that uses the def',
    edit: (s) => {
      s.defs.schema.$defs.Severity.enum = ['critical', 'high'];
    },
    want: [
      ['breaking', 'incident.closed', `${P}/severity`, 'enum-value-removed'],
      ['breaking', 'incident.created', `${P}/severity`, 'enum-value-removed'],
    ],
    failed: true,
  },
  {
    name: 'an enum value removed inside array items is breaking at /items',
    edit: (s) => {
      prop(s, 'tags').items.enum = ['db'];
    },
    want: [['breaking', 'incident.created', `${P}/tags/items`, 'enum-value-removed']],
    failed: true,
  },
  // constraints
  {
    name: 'a def pattern changed breaks the events using it',
    edit: (s) => {
      s.defs.schema.$defs.IncidentId.pattern = '^inc_[a-z]+$';
    },
    want: [
      ['breaking', 'incident.closed', `${P}/incidentId`, 'constraint-tightened'],
      ['breaking', 'incident.created', `${P}/incidentId`, 'constraint-tightened'],
    ],
    failed: true,
  },
  {
    name: 'the envelope tenantId pattern changed through its def breaks every event',
    edit: (s) => {
      s.defs.schema.$defs.TenantId.pattern = '^ten_[a-z]+$';
    },
    want: [
      ['breaking', 'incident.closed', '/properties/tenantId', 'constraint-tightened'],
      ['breaking', 'incident.created', '/properties/tenantId', 'constraint-tightened'],
    ],
    failed: true,
  },
  {
    name: 'a pattern added is breaking',
    edit: (s) => {
      prop(s, 'link').pattern = '^https://';
    },
    want: [['breaking', 'incident.created', `${P}/link`, 'constraint-tightened']],
    failed: true,
  },
  {
    name: 'a format added is breaking',
    edit: (s) => {
      prop(s, 'link').format = 'uri';
    },
    want: [['breaking', 'incident.created', `${P}/link`, 'constraint-tightened']],
    failed: true,
  },
  {
    name: 'a def format removed needs a decision',
    edit: (s) => delete s.defs.schema.$defs.Timestamp.format,
    want: [
      ['decision', 'incident.closed', '/properties/timestamp', 'constraint-loosened'],
      ['decision', 'incident.created', '/properties/timestamp', 'constraint-loosened'],
    ],
    failed: false,
  },
  {
    name: 'a minimum raised is breaking',
    edit: (s) => {
      prop(s, 'count').minimum = 1;
    },
    want: [['breaking', 'incident.created', `${P}/count`, 'constraint-tightened']],
    failed: true,
  },
  {
    name: 'a maximum lowered is breaking',
    edit: (s) => {
      prop(s, 'score').maximum = 0.5;
    },
    want: [['breaking', 'incident.created', `${P}/score`, 'constraint-tightened']],
    failed: true,
  },
  {
    name: 'a minLength raised is breaking',
    edit: (s) => {
      prop(s, 'title').minLength = 3;
    },
    want: [['breaking', 'incident.created', `${P}/title`, 'constraint-tightened']],
    failed: true,
  },
  {
    name: 'a maxLength lowered is breaking',
    edit: (s) => {
      prop(s, 'title').maxLength = 200;
    },
    want: [['breaking', 'incident.created', `${P}/title`, 'constraint-tightened']],
    failed: true,
  },
  {
    name: 'a maxLength widened looks breaking but only needs a decision',
    edit: (s) => {
      prop(s, 'title').maxLength = 1000;
    },
    want: [['decision', 'incident.created', `${P}/title`, 'constraint-loosened']],
    failed: false,
  },
  {
    name: 'a minItems added is breaking',
    edit: (s) => {
      prop(s, 'tags').minItems = 1;
    },
    want: [['breaking', 'incident.created', `${P}/tags`, 'constraint-tightened']],
    failed: true,
  },
  {
    name: 'a maxItems added is breaking',
    edit: (s) => {
      prop(s, 'tags').maxItems = 5;
    },
    want: [['breaking', 'incident.created', `${P}/tags`, 'constraint-tightened']],
    failed: true,
  },
  {
    name: 'a minimum removed needs a decision',
    edit: (s) => delete prop(s, 'count').minimum,
    want: [['decision', 'incident.created', `${P}/count`, 'constraint-loosened']],
    failed: false,
  },
  {
    name: 'additionalProperties closed on an open object is breaking',
    edit: (s) => {
      prop(s, 'owner').additionalProperties = false;
    },
    want: [
      [
        'breaking',
        'incident.created',
        `${P}/owner/additionalProperties`,
        'additional-properties-closed',
      ],
    ],
    failed: true,
  },
  {
    name: 'additionalProperties opened on strict data is compatible (tolerant readers)',
    edit: (s) => delete data(s).additionalProperties,
    want: [
      [
        'compatible',
        'incident.created',
        '/properties/data/additionalProperties',
        'additional-properties-opened',
      ],
    ],
    failed: false,
  },
  {
    name: 'a keyword the check does not analyse is breaking when it changes (conservative)',
    edit: (s) => {
      prop(s, 'link').not = { const: '' };
    },
    want: [['breaking', 'incident.created', `${P}/link`, 'unanalysed']],
    failed: true,
  },
  // looks breaking, is not
  {
    name: 'a description-only edit is compatible',
    edit: (s) => {
      prop(s, 'title').description = 'A better description.';
    },
    want: [['compatible', 'incident.created', `${P}/title`, 'metadata-changed']],
    failed: false,
  },
  {
    name: 'title, examples and when-emitted edits are compatible',
    edit: (s) => {
      const schema = s.events[CREATED].schema;
      schema.title = 'Incident opened';
      schema.examples = [{ event: 'incident.created' }];
      schema['x-when-emitted'] = 'Always';
    },
    want: [
      ['compatible', 'incident.created', '', 'metadata-changed'],
      ['compatible', 'incident.created', '', 'metadata-changed'],
      ['compatible', 'incident.created', '', 'metadata-changed'],
    ],
    failed: false,
  },
  {
    name: 'reordering required has no effect',
    edit: (s) => data(s).required.reverse(),
    want: [],
  },
  {
    name: 'reordering enum values and properties has no effect',
    edit: (s) => {
      prop(s, 'state').enum.reverse();
      const props = data(s).properties;
      data(s).properties = Object.fromEntries(Object.entries(props).reverse());
    },
    want: [],
  },
  {
    name: 'moving a property into a $ref with identical constraints has no effect',
    editBase: (s) => {
      data(s).properties.incidentId = {
        type: 'string',
        pattern: '^inc_[a-z0-9]+$',
        description: 'The incident.',
      };
    },
    edit: () => {},
    want: [],
  },
  {
    name: 'inlining a $ref with identical constraints has no effect',
    edit: (s) => {
      data(s).properties.severity = {
        type: 'string',
        enum: ['critical', 'high', 'low'],
        description: 'Severity.',
      };
    },
    want: [],
  },
  {
    name: 'a def description edit has no effect where the property has its own description',
    edit: (s) => {
      s.defs.schema.$defs.Severity.description = 'How bad it is.';
    },
    want: [],
  },
  // the escape hatch
  {
    name: 'a breaking change with a bumped x-version and a breaking changelog entry is declared',
    edit: (s) => {
      delete data(s).properties.link;
      Object.assign(s.events[CREATED].schema, {
        'x-version': 2,
        'x-changelog': [
          { version: 2, date: '2024-05-01', breaking: true, note: 'link removed; use docsUrl.' },
        ],
      });
    },
    want: [['breaking', 'incident.created', `${P}/link`, 'property-removed']],
    failed: false,
  },
  {
    name: 'a bumped x-version whose changelog entry is not breaking does not declare a break',
    edit: (s) => {
      delete data(s).properties.link;
      Object.assign(s.events[CREATED].schema, {
        'x-version': 2,
        'x-changelog': [{ version: 2, date: '2024-05-01', breaking: false, note: 'Tidied.' }],
      });
    },
    want: [['breaking', 'incident.created', `${P}/link`, 'property-removed']],
    failed: true,
  },
  {
    name: 'a breaking changelog entry without an x-version bump does not declare a break',
    editBase: (s) => {
      s.events[CREATED].schema['x-version'] = 2;
    },
    edit: (s) => {
      delete data(s).properties.link;
      Object.assign(s.events[CREATED].schema, {
        'x-version': 2,
        'x-changelog': [{ version: 2, date: '2024-05-01', breaking: true, note: 'Removed link.' }],
      });
    },
    want: [['breaking', 'incident.created', `${P}/link`, 'property-removed']],
    failed: true,
  },
  {
    name: 'a def change declared by one event still fails on the other event using it',
    edit: (s) => {
      s.defs.schema.$defs.Severity.enum = ['critical', 'high'];
      Object.assign(s.events[CREATED].schema, {
        'x-version': 2,
        'x-changelog': [{ version: 2, date: '2024-05-01', breaking: true, note: 'No low.' }],
      });
    },
    want: [
      ['breaking', 'incident.closed', `${P}/severity`, 'enum-value-removed'],
      ['breaking', 'incident.created', `${P}/severity`, 'enum-value-removed'],
    ],
    failed: true,
  },
  {
    name: 'an x-version that goes down is breaking',
    editBase: (s) => {
      s.events[CREATED].schema['x-version'] = 3;
    },
    edit: (s) => {
      s.events[CREATED].schema['x-version'] = 2;
    },
    want: [['breaking', 'incident.created', '/x-version', 'version-decreased']],
    failed: true,
  },
];

function apply(edit: Edit | undefined): SchemaSet {
  const set = structuredClone(fixture());
  edit?.(set);
  return set;
}

const key = (c: Change) => [c.verdict, c.event, c.pointer, c.rule];

describe('compareSchemaSets', () => {
  it('has a case for every verdict and at least 30 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
    const verdicts = new Set(cases.flatMap((c) => c.want.map((w) => w[0])));
    expect([...verdicts].sort()).toEqual(['breaking', 'compatible', 'decision']);
  });

  it.each(cases)('$name', ({ edit, editBase, want, failed }) => {
    const base = apply(editBase);
    const head = apply((s) => {
      editBase?.(s);
      edit(s);
    });
    const changes = compareSchemaSets(base, head);
    expect(changes.map(key)).toEqual(want);
    if (failed !== undefined) expect(summarize(changes).failed).toBe(failed);
  });

  it('names the def a change came through in the reason', () => {
    const head = apply((s) => {
      s.defs.schema.$defs.Severity.enum = ['critical', 'high'];
    });
    const [change] = compareSchemaSets(fixture(), head);
    expect(change?.reason).toBe('enum value "low" removed (via $defs/Severity)');
  });

  it('marks declared breaking changes with the changelog version', () => {
    const head = apply((s) => {
      delete data(s).properties.link;
      Object.assign(s.events[CREATED].schema, {
        'x-version': 2,
        'x-changelog': [{ version: 2, date: '2024-05-01', breaking: true, note: 'Gone.' }],
      });
    });
    const [change] = compareSchemaSets(fixture(), head);
    expect(change?.declaredIn).toBe(2);
    expect(formatChange(change!)).toBe(
      `BREAKING (declared in x-changelog v2) incident.created ${P}/link property "link" removed`,
    );
  });

  it('reports every event as added against the empty set', () => {
    const changes = compareSchemaSets(EMPTY_SCHEMA_SET, fixture());
    expect(changes.map(key)).toEqual([
      ['compatible', 'incident.closed', '', 'event-added'],
      ['compatible', 'incident.created', '', 'event-added'],
    ]);
  });

  it('compares envelope.json when both sides have one', () => {
    const envelope = { type: 'object', properties: { event: { type: 'string' } } };
    const base = { ...fixture(), envelope: { file: 'envelope.json', schema: envelope } };
    const head = {
      ...fixture(),
      envelope: {
        file: 'envelope.json',
        schema: { ...envelope, properties: { event: { type: 'string', maxLength: 10 } } },
      },
    };
    expect(compareSchemaSets(base, head).map(key)).toEqual([
      ['breaking', 'envelope', '/properties/event', 'constraint-tightened'],
    ]);
  });
});

describe('formatChange and formatSummary', () => {
  it('prints "<verdict> <event> <json-pointer> <reason>"', () => {
    const change: Change = {
      verdict: 'breaking',
      event: 'incident.created',
      pointer: `${P}/severity`,
      rule: 'enum-value-removed',
      reason: 'enum value "low" removed',
    };
    expect(formatChange(change)).toBe(
      'BREAKING incident.created /properties/data/properties/severity enum value "low" removed',
    );
    expect(formatChange({ ...change, verdict: 'decision' })).toMatch(/^DECISION /);
    expect(formatChange({ ...change, pointer: '' })).toContain(' incident.created (root) ');
  });

  it('summarises counts and fails only on undeclared breaking changes', () => {
    const base: Change = {
      verdict: 'breaking',
      event: 'a.b',
      pointer: '',
      rule: 'event-removed',
      reason: 'x',
    };
    const summary = summarize([
      base,
      { ...base, declaredIn: 2 },
      { ...base, verdict: 'decision' },
      { ...base, verdict: 'compatible' },
    ]);
    expect(summary).toEqual({ breaking: 2, declared: 1, decision: 1, compatible: 1, failed: true });
    expect(formatSummary(summary)).toBe(
      '2 breaking (1 declared, 1 undeclared), 1 needing a decision, 1 compatible',
    );
    expect(summarize([{ ...base, deprecatedFirst: true }]).failed).toBe(false);
  });
});

describe('lintVersioning', () => {
  const good = {
    'x-version': 2,
    'x-changelog': [
      { version: 1, date: '2024-01-01', breaking: false, note: 'First version.' },
      { version: 2, date: '2024-05-01', breaking: true, note: 'Removed link; use docsUrl.' },
    ],
  };

  it('accepts a schema without versioning keywords and a well-formed changelog', () => {
    expect(lintVersioning({})).toEqual([]);
    expect(lintVersioning(good)).toEqual([]);
  });

  it.each([
    [{ 'x-version': 0 }, '/x-version'],
    [{ 'x-version': 1.5 }, '/x-version'],
    [{ 'x-version': 2 }, '/x-changelog'],
    [{ 'x-changelog': {} }, '/x-changelog'],
    [{ ...good, 'x-version': 3 }, '/x-changelog'],
    [{ ...good, 'x-version': 1 }, '/x-changelog/1/version'],
    [
      { 'x-version': 2, 'x-changelog': [{ version: 2, date: 'May 1', breaking: true, note: 'x' }] },
      '/x-changelog/0/date',
    ],
    [
      {
        'x-version': 2,
        'x-changelog': [{ version: 2, date: '2024-05-01', breaking: 'yes', note: 'x' }],
      },
      '/x-changelog/0/breaking',
    ],
    [
      {
        'x-version': 2,
        'x-changelog': [{ version: 2, date: '2024-05-01', breaking: true, note: ' ' }],
      },
      '/x-changelog/0/note',
    ],
    [
      {
        'x-version': 2,
        'x-changelog': [{ version: 2, date: '2024-05-01', breaking: true, note: 'x', by: 'me' }],
      },
      '/x-changelog/0',
    ],
    [
      { 'x-version': 2, 'x-changelog': [good['x-changelog'][1], good['x-changelog'][0]] },
      '/x-changelog/1/version',
    ],
  ])('reports %j at %s', (schema, pointer) => {
    expect(lintVersioning(schema as JsonSchema).map((p) => p.pointer)).toContain(pointer);
  });
});

describe('schemaSetFromFiles', () => {
  it('builds a set from file contents and treats missing files as empty', () => {
    const set = schemaSetFromFiles(
      new Map([
        ['events/b.c.json', '{"title":"B"}'],
        ['events/a.b.json', '{"title":"A"}'],
        ['domains.json', '{"domains":[{"key":"a","title":"A","description":"A."}]}'],
      ]),
    );
    expect(set.events.map((e) => e.file)).toEqual(['events/a.b.json', 'events/b.c.json']);
    expect(set.defs.schema).toEqual({});
    expect(set.domains.map((d) => d.key)).toEqual(['a']);
  });

  it('names the file that is not valid JSON', () => {
    expect(() => schemaSetFromFiles(new Map([['defs.json', '{']]))).toThrow(/schemas\/defs\.json/);
  });
});
