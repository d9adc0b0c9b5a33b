import { describe, expect, it } from 'vitest';
import {
  type ChangeAt,
  diffAdditional,
  diffBounds,
  diffComposition,
  diffItems,
  diffMetadata,
  diffMultipleUnique,
  diffNode,
  diffPatternFormat,
  diffProperties,
  diffTypes,
  diffUnknown,
  diffValues,
  KEYWORD_RULES,
  type RuleInput,
} from './compatRules.js';
import type { JsonSchema } from './model.js';

type Row = [verdict: string, rule: string, pointer: string];

interface Case {
  readonly name: string;
  readonly base: JsonSchema;
  readonly head: JsonSchema;
  readonly pointer?: string;
  /** Changes reported, and `recurse` calls as `['recurse', '', pointer]`. */
  readonly want: readonly Row[];
  readonly stop?: boolean;
}

/** Runs one rule on a pair of nodes; collects what it reports and where it recurses. */
function run(diff: (input: RuleInput) => 'stop' | undefined, c: Case) {
  const rows: Row[] = [];
  const pointer = c.pointer ?? '/p';
  const result = diff({
    base: c.base,
    head: c.head,
    pointer,
    defs: { base: {}, head: {} },
    add: (verdict, rule, _reason, at = pointer) => rows.push([verdict, rule, at]),
    recurse: (at) => rows.push(['recurse', '', at]),
  });
  return { rows, stop: result === 'stop' };
}

const TABLE: Record<string, { diff: (i: RuleInput) => 'stop' | undefined; cases: Case[] }> = {
  metadata: {
    diff: diffMetadata,
    cases: [
      {
        name: 'a description change anywhere is compatible',
        base: { description: 'a' },
        head: { description: 'b' },
        want: [['compatible', 'metadata-changed', '/p']],
      },
      {
        name: 'a nested title change is not reported',
        base: { title: 'a' },
        head: { title: 'b' },
        want: [],
      },
      {
        name: 'root title, examples, x-domain and deprecation are compatible',
        pointer: '',
        base: { title: 'a', examples: [1], 'x-domain': 'x' },
        head: { title: 'b', examples: [2], 'x-domain': 'y', deprecated: true },
        want: [
          ['compatible', 'metadata-changed', ''],
          ['compatible', 'metadata-changed', ''],
          ['compatible', 'metadata-changed', ''],
          ['compatible', 'metadata-changed', ''],
        ],
      },
    ],
  },
  types: {
    diff: diffTypes,
    cases: [
      {
        name: 'a type added where there was none is breaking',
        base: {},
        head: { type: 'string' },
        want: [['breaking', 'type-narrowed', '/p']],
      },
      {
        name: 'a type removed needs a decision',
        base: { type: 'string' },
        head: {},
        want: [['decision', 'type-widened', '/p']],
      },
      {
        name: 'a type replaced is breaking and stops the comparison',
        base: { type: 'string' },
        head: { type: 'number' },
        want: [['breaking', 'type-narrowed', '/p']],
        stop: true,
      },
      {
        name: 'integer widened to number needs a decision',
        base: { type: 'integer' },
        head: { type: 'number' },
        want: [['decision', 'type-widened', '/p']],
      },
      {
        name: 'one of two types dropped is breaking',
        base: { type: ['string', 'null'] },
        head: { type: 'string' },
        want: [['breaking', 'type-narrowed', '/p']],
      },
      {
        name: 'the same type reports nothing',
        base: { type: 'string' },
        head: { type: 'string' },
        want: [],
      },
    ],
  },
  values: {
    diff: diffValues,
    cases: [
      {
        name: 'an enum value removed is breaking',
        base: { enum: ['a', 'b'] },
        head: { enum: ['a'] },
        want: [['breaking', 'enum-value-removed', '/p']],
      },
      {
        name: 'an enum value added needs a decision',
        base: { enum: ['a'] },
        head: { enum: ['a', 'b'] },
        want: [['decision', 'enum-value-added', '/p']],
      },
      {
        name: 'a value list added is breaking',
        base: {},
        head: { const: 'x' },
        want: [['breaking', 'constraint-tightened', '/p']],
      },
      {
        name: 'a value list removed needs a decision',
        base: { enum: ['a'] },
        head: {},
        want: [['decision', 'constraint-loosened', '/p']],
      },
      {
        name: 'enum reordered reports nothing',
        base: { enum: ['a', 'b'] },
        head: { enum: ['b', 'a'] },
        want: [],
      },
    ],
  },
  bounds: {
    diff: diffBounds,
    cases: [
      {
        name: 'a lower bound raised is breaking',
        base: { minimum: 0 },
        head: { minimum: 1 },
        want: [['breaking', 'constraint-tightened', '/p']],
      },
      {
        name: 'an upper bound raised needs a decision',
        base: { maxLength: 5 },
        head: { maxLength: 9 },
        want: [['decision', 'constraint-loosened', '/p']],
      },
      {
        name: 'a bound added is breaking',
        base: {},
        head: { maxItems: 3 },
        want: [['breaking', 'constraint-tightened', '/p']],
      },
      {
        name: 'a bound removed needs a decision',
        base: { minProperties: 1 },
        head: {},
        want: [['decision', 'constraint-loosened', '/p']],
      },
    ],
  },
  'pattern-format': {
    diff: diffPatternFormat,
    cases: [
      {
        name: 'a pattern added is breaking',
        base: {},
        head: { pattern: '^a' },
        want: [['breaking', 'constraint-tightened', '/p']],
      },
      {
        name: 'a format changed is breaking',
        base: { format: 'uri' },
        head: { format: 'email' },
        want: [['breaking', 'constraint-tightened', '/p']],
      },
      {
        name: 'a pattern removed needs a decision',
        base: { pattern: '^a' },
        head: {},
        want: [['decision', 'constraint-loosened', '/p']],
      },
    ],
  },
  'multiple-unique': {
    diff: diffMultipleUnique,
    cases: [
      {
        name: 'multipleOf to a value that does not divide the old one is breaking',
        base: { multipleOf: 2 },
        head: { multipleOf: 3 },
        want: [['breaking', 'constraint-tightened', '/p']],
      },
      {
        name: 'multipleOf to a divisor needs a decision',
        base: { multipleOf: 4 },
        head: { multipleOf: 2 },
        want: [['decision', 'constraint-loosened', '/p']],
      },
      {
        name: 'uniqueItems added is breaking',
        base: {},
        head: { uniqueItems: true },
        want: [['breaking', 'constraint-tightened', '/p']],
      },
      {
        name: 'uniqueItems removed needs a decision',
        base: { uniqueItems: true },
        head: {},
        want: [['decision', 'constraint-loosened', '/p']],
      },
    ],
  },
  properties: {
    diff: diffProperties,
    cases: [
      {
        name: 'an optional property added is compatible (tolerant readers)',
        base: { properties: {} },
        head: { properties: { a: { type: 'string' } } },
        want: [['compatible', 'property-added-optional', '/p/properties/a']],
      },
      {
        name: 'a required property added is breaking',
        base: { properties: {} },
        head: { properties: { a: {} }, required: ['a'] },
        want: [['breaking', 'property-added-required', '/p/properties/a']],
      },
      {
        name: 'a required property removed is breaking',
        base: { properties: { a: { type: 'string' } }, required: ['a'] },
        head: { properties: {} },
        want: [['breaking', 'property-removed', '/p/properties/a']],
      },
      {
        name: 'a property renamed (same shape) is breaking',
        base: { properties: { a: { type: 'string' } } },
        head: { properties: { b: { type: 'string' } } },
        want: [['breaking', 'property-renamed', '/p/properties/a']],
      },
      {
        name: 'a property made required is breaking, and both sides are compared',
        base: { properties: { a: {} } },
        head: { properties: { a: {} }, required: ['a'] },
        want: [
          ['breaking', 'property-now-required', '/p/properties/a'],
          ['recurse', '', '/p/properties/a'],
        ],
      },
      {
        name: 'a property made optional needs a decision',
        base: { properties: { a: {} }, required: ['a'] },
        head: { properties: { a: {} } },
        want: [
          ['decision', 'property-now-optional', '/p/properties/a'],
          ['recurse', '', '/p/properties/a'],
        ],
      },
    ],
  },
  additional: {
    diff: diffAdditional,
    cases: [
      {
        name: 'closing is breaking',
        base: {},
        head: { additionalProperties: false },
        want: [['breaking', 'additional-properties-closed', '/p/additionalProperties']],
      },
      {
        name: 'opening is compatible (tolerant readers)',
        base: { additionalProperties: false },
        head: {},
        want: [['compatible', 'additional-properties-opened', '/p/additionalProperties']],
      },
      {
        name: 'two schemas are compared',
        base: { additionalProperties: { type: 'string' } },
        head: { additionalProperties: { type: 'number' } },
        want: [['recurse', '', '/p/additionalProperties']],
      },
    ],
  },
  items: {
    diff: diffItems,
    cases: [
      {
        name: 'both sides are compared element to element',
        base: { items: {} },
        head: { items: {} },
        want: [['recurse', '', '/p/items']],
      },
      {
        name: 'an items schema added is breaking',
        base: {},
        head: { items: {} },
        want: [['breaking', 'constraint-tightened', '/p/items']],
      },
      {
        name: 'an items schema removed needs a decision',
        base: { items: {} },
        head: {},
        want: [['decision', 'constraint-loosened', '/p/items']],
      },
    ],
  },
  composition: {
    diff: diffComposition,
    cases: [
      {
        name: 'branches are compared one by one when their count is unchanged',
        base: { anyOf: [{ type: 'string' }] },
        head: { anyOf: [{ type: 'number' }] },
        want: [['recurse', '', '/p/anyOf/0']],
      },
      {
        name: 'a branch added is breaking (unanalysed)',
        base: { oneOf: [{}] },
        head: { oneOf: [{}, { type: 'string' }] },
        want: [['breaking', 'unanalysed', '/p']],
      },
      {
        name: 'the same branches report nothing',
        base: { allOf: [{ type: 'string' }] },
        head: { allOf: [{ type: 'string', description: 'x' }] },
        want: [],
      },
    ],
  },
  unknown: {
    diff: diffUnknown,
    cases: [
      {
        name: 'an unanalysed keyword changed is breaking',
        base: {},
        head: { not: { const: '' } },
        want: [['breaking', 'unanalysed', '/p']],
      },
      {
        name: 'annotations and identity keywords are ignored',
        base: { $comment: 'a', 'x-note': 1, $id: 'a' },
        head: { $comment: 'b', 'x-note': 2, $id: 'b', readOnly: true },
        want: [],
      },
      {
        name: 'an unresolved $ref changed is breaking',
        base: { $ref: '#/a' },
        head: { $ref: '#/b' },
        want: [['breaking', 'unanalysed', '/p']],
      },
    ],
  },
};

describe('KEYWORD_RULES', () => {
  it('has given/want cases for every rule of the table, in table order', () => {
    expect(KEYWORD_RULES.map((r) => r.name)).toEqual(Object.keys(TABLE));
  });

  for (const [name, { diff, cases }] of Object.entries(TABLE)) {
    describe(`the ${name} rule`, () => {
      it.each(cases)('$name', (c) => {
        const { rows, stop } = run(diff, c);
        expect(rows).toEqual(c.want);
        expect(stop).toBe(c.stop ?? false);
      });
    });
  }
});

describe('diffNode', () => {
  it('resolves $refs into defs and names the def in the reason', () => {
    const out: ChangeAt[] = [];
    const defs = (values: string[]) => ({ Sev: { type: 'string', enum: values } });
    const ctx = { event: 'a.b', base: defs(['x', 'y']), head: defs(['x']), out };
    diffNode(ctx, '/s', { $ref: 'defs.json#/$defs/Sev' }, { $ref: 'defs.json#/$defs/Sev' });
    expect(out).toEqual([
      {
        verdict: 'breaking',
        event: 'a.b',
        pointer: '/s',
        rule: 'enum-value-removed',
        reason: 'enum value "y" removed (via $defs/Sev)',
      },
    ]);
  });
});
