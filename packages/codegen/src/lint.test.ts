import { describe, expect, it } from 'vitest';
import { dataOf, eventFile, loadFixture, repoRoot } from '../test/support.js';
import { formatProblem, lintSchemaSet, lintTolerance } from './lint.js';
import { loadSchemaSet } from './load.js';
import type { JsonSchema, SchemaFile, SchemaSet } from './model.js';

type Mutable = {
  -readonly [K in keyof SchemaSet]: SchemaSet[K] extends readonly (infer T)[] ? T[] : SchemaSet[K];
};

/** Renames `events/<from>.json` to `<to>`: file name, $id, const and examples all follow. */
function rename(
  set: SchemaSet,
  from: string,
  to: string,
  parts: { file?: boolean; const?: boolean } = {},
): void {
  const { file = true, const: constToo = true } = parts;
  const event = eventFile(set, from) as { file: string; schema: JsonSchema };
  if (file) {
    event.file = `events/${to}.json`;
    event.schema.$id = String(event.schema.$id).replace(`${from}.json`, `${to}.json`);
  }
  if (constToo) {
    (event.schema.properties as Record<string, JsonSchema>).event = { const: to };
    for (const example of event.schema.examples as JsonSchema[]) example.event = to;
  }
}

interface Case {
  readonly name: string;
  readonly mutate: (set: Mutable) => void;
  /** Every problem expected, in order, as `file`, `pointer` and a fragment of the message. */
  readonly want: readonly { file: string; pointer: string; message: string }[];
}

const placed = 'events/order.placed.json';

const cases: readonly Case[] = [
  {
    name: 'a file name that differs from the event const is reported on the const',
    mutate: (set) => rename(set, 'order.placed', 'order.created', { const: false }),
    want: [
      {
        file: 'events/order.created.json',
        pointer: '/properties/event/const',
        message: 'event name "order.placed" does not match the file name "order.created.json"',
      },
    ],
  },
  {
    name: 'a camelCase event name is refused for the const and the file',
    mutate: (set) => rename(set, 'order.placed', 'order.placedLate'),
    want: [
      {
        file: 'events/order.placedLate.json',
        pointer: '/properties/event/const',
        message: 'snake case',
      },
      {
        file: 'events/order.placedLate.json',
        pointer: '',
        message: 'file name "order.placedLate.json" must be',
      },
    ],
  },
  {
    name: 'an event name without a dot is refused',
    mutate: (set) => rename(set, 'order.placed', 'orderplaced'),
    want: [
      {
        file: 'events/orderplaced.json',
        pointer: '/properties/event/const',
        message: '<domain>.<action>',
      },
      { file: 'events/orderplaced.json', pointer: '', message: '<domain>.<action>.json' },
    ],
  },
  {
    name: 'an upper-case event name is refused',
    mutate: (set) => rename(set, 'order.placed', 'Order.placed'),
    want: [
      {
        file: 'events/Order.placed.json',
        pointer: '/properties/event/const',
        message: 'snake case',
      },
      { file: 'events/Order.placed.json', pointer: '', message: 'snake case' },
    ],
  },
  {
    name: 'a schema without an event const is reported',
    mutate: (set) => {
      (eventFile(set, 'order.placed').schema.properties as JsonSchema).event = { type: 'string' };
    },
    want: [
      {
        file: placed,
        pointer: '/properties/event/const',
        message: 'missing: every event schema declares',
      },
    ],
  },
  {
    name: 'a missing description is reported',
    mutate: (set) => {
      delete eventFile(set, 'order.placed').schema.description;
    },
    want: [
      { file: placed, pointer: '/description', message: 'missing: describe what the event means' },
    ],
  },
  {
    name: 'a blank title is reported',
    mutate: (set) => {
      eventFile(set, 'order.placed').schema.title = '  ';
    },
    want: [{ file: placed, pointer: '/title', message: 'missing: a short human title' }],
  },
  {
    name: 'a missing x-domain is reported with the known domains',
    mutate: (set) => {
      delete eventFile(set, 'order.placed').schema['x-domain'];
    },
    want: [{ file: placed, pointer: '/x-domain', message: 'missing: one of order, fulfilment' }],
  },
  {
    name: 'an unknown domain is reported with the known ones',
    mutate: (set) => {
      eventFile(set, 'order.placed').schema['x-domain'] = 'billing';
    },
    want: [
      {
        file: placed,
        pointer: '/x-domain',
        message: 'unknown domain "billing"; known: order, fulfilment',
      },
    ],
  },
  {
    name: 'a missing x-when-emitted is reported',
    mutate: (set) => {
      delete eventFile(set, 'order.placed').schema['x-when-emitted'];
    },
    want: [
      {
        file: placed,
        pointer: '/x-when-emitted',
        message: 'missing: say when the event is emitted',
      },
    ],
  },
  {
    name: 'a $id that does not end with the file name is reported',
    mutate: (set) => {
      eventFile(set, 'order.placed').schema.$id =
        'https://schemas.example.test/events/order.new.json';
    },
    want: [
      { file: placed, pointer: '/$id', message: '$id must end with "/events/order.placed.json"' },
    ],
  },
  {
    name: 'an event without examples is reported',
    mutate: (set) => {
      eventFile(set, 'order.placed').schema.examples = [];
    },
    want: [
      { file: placed, pointer: '/examples', message: 'missing: at least one example envelope' },
    ],
  },
  {
    name: 'an invalid example is reported at the offending value inside the example',
    mutate: (set) => {
      const [example] = eventFile(set, 'order.placed').schema.examples as { data: JsonSchema }[];
      example!.data.priority = 'asap';
    },
    want: [
      {
        file: placed,
        pointer: '/examples/0/data/priority',
        message: 'example 0 is invalid at /data/priority',
      },
    ],
  },
  {
    name: 'an unknown property in an example is named in the message',
    mutate: (set) => {
      const examples = eventFile(set, 'order.placed').schema.examples as { data: JsonSchema }[];
      examples.push(structuredClone(examples[0]!));
      examples[1]!.data.colour = 'red';
    },
    want: [
      {
        file: placed,
        pointer: '/examples/1/data',
        message: 'must NOT have additional properties "colour"',
      },
    ],
  },
  {
    name: 'data without additionalProperties: false is refused',
    mutate: (set) => {
      delete dataOf(eventFile(set, 'order.placed')).additionalProperties;
    },
    want: [
      {
        file: placed,
        pointer: '/properties/data/additionalProperties',
        message: 'strict payloads',
      },
    ],
  },
  {
    name: 'data that is not an object schema is refused',
    mutate: (set) => {
      dataOf(eventFile(set, 'order.cancelled')).type = ['object', 'null'];
    },
    want: [
      {
        file: 'events/order.cancelled.json',
        pointer: '/properties/data/type',
        message: 'data must be "type": "object"',
      },
    ],
  },
  {
    name: 'data without required fields is refused',
    mutate: (set) => {
      delete dataOf(eventFile(set, 'order.cancelled')).required;
    },
    want: [
      {
        file: 'events/order.cancelled.json',
        pointer: '/properties/data/required',
        message: 'must list its required fields',
      },
    ],
  },
  {
    name: 'an envelope that does not require tenantId is refused',
    mutate: (set) => {
      eventFile(set, 'parcel.shipped').schema.required = ['event', 'timestamp', 'data'];
    },
    want: [
      {
        file: 'events/parcel.shipped.json',
        pointer: '/required',
        message: 'the envelope must require "tenantId"',
      },
    ],
  },
  {
    name: 'an envelope that allows extra properties is refused',
    mutate: (set) => {
      delete eventFile(set, 'parcel.shipped').schema.additionalProperties;
    },
    want: [
      {
        file: 'events/parcel.shipped.json',
        pointer: '/additionalProperties',
        message: 'additionalProperties: false',
      },
    ],
  },
  {
    name: 'an envelope.json that does not require tenantId is refused',
    mutate: (set) => {
      set.envelope.schema.required = ['event', 'timestamp', 'data'];
    },
    want: [
      {
        file: 'envelope.json',
        pointer: '/required',
        message: 'the envelope must require "tenantId"',
      },
    ],
  },
  {
    name: 'an envelope.json that allows extra properties is refused',
    mutate: (set) => {
      set.envelope.schema.additionalProperties = true;
    },
    want: [
      {
        file: 'envelope.json',
        pointer: '/additionalProperties',
        message: 'additionalProperties: false',
      },
    ],
  },
  {
    name: 'an unknown keyword in a shared definition is reported on the definition and on its users',
    mutate: (set) => {
      ((set.defs.schema.$defs as Record<string, JsonSchema>).Priority as JsonSchema).foo = 1;
    },
    want: [
      {
        file: 'defs.json',
        pointer: '/$defs/Priority',
        message: 'ajv strict mode: strict mode: unknown keyword: "foo"',
      },
      { file: placed, pointer: '', message: 'unknown keyword: "foo"' },
      { file: 'events/parcel.shipped.json', pointer: '', message: 'unknown keyword: "foo"' },
    ],
  },
  {
    name: 'an unknown keyword in envelope.json is reported on envelope.json',
    mutate: (set) => {
      (set.envelope.schema.properties as Record<string, JsonSchema>).event!.foo = 1;
    },
    want: [{ file: 'envelope.json', pointer: '', message: 'unknown keyword: "foo"' }],
  },
  {
    name: 'a $id used twice is reported with both files, and the other events are still checked',
    mutate: (set) => {
      eventFile(set, 'order.cancelled').schema.$id = eventFile(set, 'order.placed').schema.$id;
      eventFile(set, 'parcel.shipped').schema.title = '';
    },
    want: [
      {
        file: 'events/order.cancelled.json',
        pointer: '/$id',
        message: '$id must end with "/events/order.cancelled.json"',
      },
      {
        file: 'events/parcel.shipped.json',
        pointer: '/title',
        message: 'missing: a short human title',
      },
      {
        file: placed,
        pointer: '/$id',
        message:
          '$id "https://schemas.example.test/events/order.placed.json" is also used by events/order.cancelled.json',
      },
    ],
  },
  {
    name: 'an unknown keyword fails ajv strict mode',
    mutate: (set) => {
      (dataOf(eventFile(set, 'order.cancelled')).properties as Record<string, JsonSchema>)
        .reason!.foo = 1;
    },
    want: [
      {
        file: 'events/order.cancelled.json',
        pointer: '',
        message: 'ajv strict mode: strict mode: unknown keyword: "foo"',
      },
    ],
  },
  {
    name: 'minimum without a type fails ajv strict mode',
    mutate: (set) => {
      (
        dataOf(eventFile(set, 'order.cancelled')).properties as Record<string, JsonSchema>
      ).refunded = {
        description: 'Amount refunded.',
        minimum: 0,
      };
    },
    want: [
      {
        file: 'events/order.cancelled.json',
        pointer: '',
        message: 'ajv strict mode: strict mode: missing type "number" for keyword "minimum"',
      },
    ],
  },
  {
    name: 'a $ref to a missing definition is reported on the event',
    mutate: (set) => {
      (dataOf(eventFile(set, 'parcel.shipped')).properties as Record<string, JsonSchema>).priority =
        {
          $ref: '../defs.json#/$defs/Urgency',
        };
    },
    want: [
      {
        file: 'events/parcel.shipped.json',
        pointer: '',
        message: "can't resolve reference ../defs.json#/$defs/Urgency",
      },
    ],
  },
  {
    name: 'two files declaring the same event name are both reported',
    mutate: (set) => {
      const copy = structuredClone(eventFile(set, 'order.cancelled')) as {
        file: string;
        schema: JsonSchema;
      };
      copy.file = 'events/order.cancelled_again.json';
      copy.schema.$id = 'https://schemas.example.test/events/order.cancelled_again.json';
      set.events.push(copy as SchemaFile);
    },
    want: [
      {
        file: 'events/order.cancelled_again.json',
        pointer: '/properties/event/const',
        message: 'does not match the file name "order.cancelled_again.json"',
      },
      {
        file: 'events/order.cancelled_again.json',
        pointer: '/properties/event/const',
        message: 'event "order.cancelled" is also declared by events/order.cancelled.json',
      },
    ],
  },
];

describe('lintSchemaSet', () => {
  it('finds nothing wrong with the fixture set', async () => {
    expect(lintSchemaSet(await loadFixture())).toEqual([]);
  });

  it('finds nothing wrong with the real schemas/ folder', async () => {
    const set = await loadSchemaSet(`${repoRoot}/schemas`);
    expect(set.events.length).toBe(20);
    expect(lintSchemaSet(set)).toEqual([]);
  });

  it.each(cases)('$name', async ({ mutate, want }) => {
    const set = (await loadFixture()) as Mutable;
    mutate(set);
    const problems = lintSchemaSet(set);
    expect(problems.map(({ file, pointer }) => ({ file, pointer }))).toEqual(
      want.map(({ file, pointer }) => ({ file, pointer })),
    );
    problems.forEach((problem, i) => {
      expect(problem.message).toContain(want[i]!.message);
    });
  });
});

describe('formatProblem', () => {
  it('renders schemas/<file>#<pointer>: <message>', () => {
    expect(formatProblem({ file: placed, pointer: '/x-domain', message: 'unknown domain' })).toBe(
      'schemas/events/order.placed.json#/x-domain: unknown domain',
    );
  });
});

describe('lintTolerance: what tolerant readers rely on', () => {
  const file = 'events/a.b.json';
  const cases = [
    {
      name: 'accepts closed objects in plain positions',
      given: {
        type: 'object',
        additionalProperties: false,
        properties: { x: { type: 'object', additionalProperties: false } },
      },
      want: [],
    },
    {
      name: 'refuses a closed object under oneOf',
      given: { oneOf: [{ type: 'object', additionalProperties: false }] },
      want: ['/oneOf/0/additionalProperties'],
    },
    {
      name: 'refuses a closed object nested below an if',
      given: { if: { properties: { a: { additionalProperties: false } } } },
      want: ['/if/properties/a/additionalProperties'],
    },
    {
      name: 'refuses additionalProperties given as a schema',
      given: { additionalProperties: { type: 'string' } },
      want: ['/additionalProperties'],
    },
    {
      name: 'refuses other constraints on property names',
      given: { properties: { d: { maxProperties: 3, propertyNames: { pattern: '^a' } } } },
      want: ['/properties/d/propertyNames', '/properties/d/maxProperties'],
    },
    {
      name: 'ignores examples, which are data',
      given: { examples: [{ oneOf: [{ additionalProperties: false }] }] },
      want: [],
    },
  ];
  it.each(cases)('$name', ({ given, want }) => {
    expect(
      lintTolerance({ file, schema: given })
        .map((p) => p.pointer)
        .sort(),
    ).toEqual([...want].sort());
  });
});
