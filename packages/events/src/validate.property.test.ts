import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { oracleAccepts } from '../test/schemas.js';
import { eventValidators } from './generated/validators.js';
import { EVENT_NAMES, eventCatalog } from './index.js';
import { isEventName, validateEvent } from './validate.js';

const examples = EVENT_NAMES.flatMap(
  (name): readonly unknown[] => eventCatalog[name].examples,
) as readonly Record<string, unknown>[];

/** What the generated validator of the named event says, or false when there is none. */
function generatedAccepts(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const name = (value as { event?: unknown }).event;
  return isEventName(name) && eventValidators[name](value);
}

/** Checks one value: never throws, agrees with both judges, and explains every rejection. */
function check(value: unknown): boolean {
  const result = validateEvent(value);
  const accepted = generatedAccepts(value);
  expect(result.ok).toBe(accepted);
  expect(result.ok).toBe(oracleAccepts(value, EVENT_NAMES));
  if (result.ok) expect(result.event).toBe(value);
  else {
    expect(result.errors.length).toBeGreaterThan(0);
    for (const error of result.errors) expect(error.path).toMatch(/^(|\/.*)$/);
  }
  return result.ok;
}

/** Envelopes built from catalog examples, with one part replaced, removed or added at random. */
const mutatedExample = fc
  .record({
    example: fc.constantFrom(...examples),
    where: fc.constantFrom('envelope', 'data'),
    op: fc.constantFrom('keep', 'set', 'delete', 'swapEvent'),
    key: fc.oneof(
      fc.string(),
      fc.constantFrom('event', 'timestamp', 'tenantId', 'id', 'data', 'incidentId'),
    ),
    value: fc.oneof(
      fc.jsonValue(),
      fc.constantFrom(
        'ten_demo',
        'evt_1',
        'inc_EXAMPLE_01JX',
        '2024-04-01T10:00:00Z',
        'critical',
        0.5,
      ),
    ),
    event: fc.constantFrom(...EVENT_NAMES, 'incident.exploded', 'ping'),
  })
  .map(({ example, where, op, key, value, event }) => {
    const copy = structuredClone(example) as Record<string, unknown>;
    const target = where === 'data' ? (copy.data as Record<string, unknown>) : copy;
    const dataKeys = Object.keys(copy.data as object);
    const k =
      where === 'data' && op !== 'set' ? (dataKeys[key.length % dataKeys.length] ?? key) : key;
    if (op === 'set') target[k] = value;
    else if (op === 'delete') delete target[k];
    else if (op === 'swapEvent') copy.event = event;
    return copy;
  });

describe('validateEvent on random input', () => {
  it('never throws on arbitrary JSON and rejects it unless the generated validator accepts it', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        check(value);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on envelope-shaped objects with random data and agrees with an ajv oracle', () => {
    const envelope = fc.record(
      {
        event: fc.oneof(fc.constantFrom(...EVENT_NAMES), fc.string()),
        timestamp: fc.oneof(fc.constant('2024-04-01T10:00:00Z'), fc.string()),
        tenantId: fc.oneof(fc.constant('ten_demo'), fc.string()),
        id: fc.oneof(fc.constant('evt_1'), fc.string()),
        data: fc.dictionary(fc.string(), fc.jsonValue()),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(envelope, (value) => {
        check(value);
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts exactly what the generated validators and the oracle accept on mutated examples', () => {
    let accepted = 0;
    let rejected = 0;
    fc.assert(
      fc.property(mutatedExample, (value) => {
        if (check(value)) accepted++;
        else rejected++;
      }),
      { numRuns: 2000, seed: 20240401 },
    );
    // Both outcomes occur often enough for the agreement to mean something.
    expect(accepted).toBeGreaterThan(200);
    expect(rejected).toBeGreaterThan(200);
  });
});
