import { describe, expect, it } from 'vitest';
import samples from '../test/fixtures/product-samples.json' with { type: 'json' };
import { dataFields, wrongTypeValue } from '../test/schemas.js';
import { EVENT_NAMES, type EventName, eventCatalog } from './index.js';
import { assertEvent, EventValidationError, isEventName, validateEvent } from './validate.js';

type Envelope = {
  event: string;
  timestamp: string;
  tenantId: string;
  data: Record<string, unknown>;
};

/** A deep copy of the first catalog example of `name`, to mutate. */
function firstExample(name: EventName): Envelope {
  const example = eventCatalog[name].examples[0];
  if (!example) throw new Error(`${name} has no example`);
  return structuredClone(example) as unknown as Envelope;
}

/** A deep copy of an example of `name` that has `field` (the first one if none has it). */
function exampleWith(name: EventName, field: string): Envelope {
  const examples = eventCatalog[name].examples as unknown as readonly Envelope[];
  const found = examples.find((e) => field in e.data);
  return found ? structuredClone(found) : firstExample(name);
}

/** Validates and expects a rejection with an issue at `path` for `keyword`, and none elsewhere. */
function expectRejected(value: unknown, path: string, keyword: string): void {
  const result = validateEvent(value);
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.errors).toContainEqual(expect.objectContaining({ path, keyword }));
  for (const error of result.errors) expect(error.path.startsWith(path)).toBe(true);
}

describe('validateEvent on the product document', () => {
  it('has the 11 payload samples of the product document', () => {
    expect(samples).toHaveLength(11);
  });

  it.each(samples.map((s) => [s.event, s] as const))(
    'accepts the %s sample verbatim',
    (_name, sample) => {
      const result = validateEvent(sample);
      expect(result).toEqual({ ok: true, event: sample });
    },
  );

  it('uses each product sample as the first example of its event', () => {
    for (const sample of samples) {
      expect(isEventName(sample.event)).toBe(true);
      expect(eventCatalog[sample.event as EventName].examples[0]).toEqual(sample);
    }
  });
});

describe.each(EVENT_NAMES.map((name) => [name]))(
  'validateEvent on mutated copies of %s',
  (name) => {
    const fields = dataFields(name);

    it('accepts every catalog example', () => {
      expect(eventCatalog[name].examples.length).toBeGreaterThan(0);
      for (const example of eventCatalog[name].examples)
        expect(validateEvent(example).ok).toBe(true);
    });

    it.each(fields.filter((f) => f.required).map((f) => [f.name]))(
      'rejects a copy without the required field %s at /data/<field>',
      (field) => {
        const event = firstExample(name);
        delete event.data[field];
        const result = validateEvent(event);
        expect(result).toEqual({
          ok: false,
          errors: [{ path: `/data/${field}`, keyword: 'required', message: 'is required' }],
        });
      },
    );

    it.each(fields.map((f) => [f.name, f.type] as const))(
      'rejects %s of the wrong type (not %s)',
      (field, type) => {
        const event = exampleWith(name, field);
        event.data[field] = wrongTypeValue(type);
        expectRejected(event, `/data/${field}`, 'type');
      },
    );

    it('rejects an extra field in data at /data/extra', () => {
      const event = firstExample(name);
      event.data.extra = 1;
      const result = validateEvent(event);
      expect(result).toEqual({
        ok: false,
        errors: [
          {
            path: '/data/extra',
            keyword: 'additionalProperties',
            message: 'is not allowed (unknown property)',
          },
        ],
      });
    });

    it('rejects an extra field in the envelope at /extra', () => {
      expectRejected({ ...firstExample(name), extra: true }, '/extra', 'additionalProperties');
    });

    const enums = fields.filter((f) => f.enum);
    it.each(enums.map((f) => [f.name, f.enum] as const))(
      'rejects a value outside the enum of %s',
      (field, values) => {
        const event = exampleWith(name, field);
        event.data[field] = 'not_a_listed_value';
        const result = validateEvent(event);
        expect(result).toEqual({
          ok: false,
          errors: [
            {
              path: `/data/${field}`,
              keyword: 'enum',
              message: `must be one of ${values!.map((v) => JSON.stringify(v)).join(', ')}`,
            },
          ],
        });
      },
    );

    const ids = fields.filter((f) => f.idPattern);
    it.each(ids.map((f) => [f.name]))('rejects a malformed id in %s', (field) => {
      const event = exampleWith(name, field);
      event.data[field] = 'wrong-prefix-123';
      expectRejected(event, `/data/${field}`, 'pattern');
    });

    const times = fields.filter((f) => f.format === 'date-time');
    it.each(times.map((f) => [f.name]))('rejects a malformed date-time in %s', (field) => {
      const event = exampleWith(name, field);
      event.data[field] = '2024-04-01 lunchtime';
      expectRejected(event, `/data/${field}`, 'format');
    });

    it('rejects a malformed timestamp at /timestamp', () => {
      expectRejected(
        { ...firstExample(name), timestamp: '01/04/2024 10:00' },
        '/timestamp',
        'format',
      );
      expectRejected(
        { ...firstExample(name), timestamp: '2024-02-30T10:00:00Z' },
        '/timestamp',
        'format',
      );
    });

    it('rejects a wrong tenantId at /tenantId', () => {
      expectRejected({ ...firstExample(name), tenantId: 'tenant-1' }, '/tenantId', 'pattern');
      expectRejected({ ...firstExample(name), tenantId: 7 }, '/tenantId', 'type');
    });

    it('rejects a malformed event id at /id and accepts a well-formed one', () => {
      expectRejected({ ...firstExample(name), id: 'evt' }, '/id', 'pattern');
      expect(
        validateEvent({ ...firstExample(name), id: 'evt_01HXE5G8J1K4M7N0P3Q6R9S2TV' }).ok,
      ).toBe(true);
    });
  },
);

describe('validateEvent on things that are not events', () => {
  it.each([
    ['a string', 'incident.created'],
    ['a number', 42],
    ['null', null],
    ['undefined', undefined],
    ['an array', [samples[0]]],
    ['a boolean', true],
  ])('rejects %s at the root without throwing', (_what, value) => {
    expect(validateEvent(value)).toEqual({
      ok: false,
      errors: [{ path: '', keyword: 'type', message: 'must be a JSON object (an event envelope)' }],
    });
  });

  it('rejects an unknown event name in an otherwise valid envelope at /event', () => {
    const result = validateEvent({ ...samples[0], event: 'incident.exploded' });
    expect(result).toEqual({
      ok: false,
      errors: [
        {
          path: '/event',
          keyword: 'const',
          message: 'unknown event "incident.exploded"; see the catalog for known names',
        },
      ],
    });
  });

  it('rejects an unknown event name first, then the envelope problems', () => {
    const result = validateEvent({ event: 'nope.nope', timestamp: 'x' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors[0]).toEqual({
      path: '/event',
      keyword: 'const',
      message: 'unknown event "nope.nope"',
    });
    expect(result.errors.map((e) => e.path)).toEqual(
      expect.arrayContaining(['/event', '/timestamp', '/tenantId', '/data']),
    );
  });

  it('rejects an object without event with the envelope required errors', () => {
    const result = validateEvent({});
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.filter((e) => e.keyword === 'required').map((e) => e.path)).toEqual([
      '/event',
      '/timestamp',
      '/tenantId',
      '/data',
    ]);
  });

  it('escapes / and ~ in property names of JSON pointers', () => {
    const event = structuredClone(samples[1]!) as Envelope;
    event.data['a/b~c'] = 1;
    const result = validateEvent(event);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]?.path).toBe('/data/a~1b~0c');
  });
});

describe('assertEvent', () => {
  it('returns for a valid event', () => {
    expect(() => assertEvent(samples[0])).not.toThrow();
  });

  it('throws an EventValidationError carrying every issue', () => {
    const event = structuredClone(samples[1]!) as Envelope;
    delete event.data.title;
    event.data.severity = 'apocalyptic';
    let thrown: unknown;
    try {
      assertEvent(event);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(EventValidationError);
    const error = thrown as EventValidationError;
    expect(error.name).toBe('EventValidationError');
    expect(error.errors.map((e) => [e.path, e.keyword])).toEqual([
      ['/data/title', 'required'],
      ['/data/severity', 'enum'],
    ]);
    expect(error.message).toBe(
      'invalid event: /data/title is required; /data/severity must be one of "critical", "high", "medium", "low"',
    );
  });

  it('names the root as (root) in the message for a non-object', () => {
    expect(() => assertEvent(null)).toThrow(
      'invalid event: (root) must be a JSON object (an event envelope)',
    );
  });
});

describe('isEventName', () => {
  it.each(EVENT_NAMES.map((n) => [n]))('accepts %s', (name) => {
    expect(isEventName(name)).toBe(true);
  });

  it.each([
    ['incident.*'],
    ['ping'],
    ['stream.reset'],
    ['Incident.Created'],
    [''],
    [42],
    [null],
    [undefined],
  ])('rejects %j', (value) => {
    expect(isEventName(value)).toBe(false);
  });
});

describe('validateEvent modes: tolerant readers, strict producers', () => {
  const withExtra = () => {
    const event = firstExample('incident.created') as Envelope & Record<string, unknown>;
    event.data.addedLater = { nested: true };
    event.addedToEnvelope = 'x';
    return event;
  };

  it('rejects unknown properties in strict mode, the default (ingest and the bus)', () => {
    const result = validateEvent(withExtra());
    expect(result.ok).toBe(false);
    expect(validateEvent(withExtra(), { mode: 'strict' })).toEqual(result);
  });

  it('accepts unknown properties in tolerant mode and keeps them on the event', () => {
    const event = withExtra();
    const result = validateEvent(event, { mode: 'tolerant' });
    expect(result).toEqual({ ok: true, event });
    expect(
      result.ok && (result.event.data as unknown as Record<string, unknown>).addedLater,
    ).toEqual({
      nested: true,
    });
  });

  it('still rejects a wrong type, a missing required field and a bad enum value in tolerant mode', () => {
    const wrongType = withExtra();
    wrongType.data.title = 42;
    const missing = withExtra();
    delete missing.data.incidentId;
    const badEnum = withExtra();
    badEnum.data.severity = 'catastrophic';
    for (const [event, keyword] of [
      [wrongType, 'type'],
      [missing, 'required'],
      [badEnum, 'enum'],
    ] as const) {
      const result = validateEvent(event, { mode: 'tolerant' });
      expect(result.ok).toBe(false);
      if (result.ok) continue;
      expect(result.errors.map((e) => e.keyword)).toEqual([keyword]);
    }
  });

  it('still reports an unknown event name in tolerant mode', () => {
    const event = { ...withExtra(), event: 'incident.exploded' };
    expect(validateEvent(event, { mode: 'tolerant' })).toEqual({
      ok: false,
      errors: [
        {
          path: '/event',
          keyword: 'const',
          message: 'unknown event "incident.exploded"; see the catalog for known names',
        },
      ],
    });
  });
});
