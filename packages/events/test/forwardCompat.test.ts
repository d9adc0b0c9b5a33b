/**
 * Schema evolution against readers built before it: a copy of the schemas with one optional
 * field added plays the new producer (ajv compiles it, strict, as its ingest would); the
 * generated validators of THIS version play the old reader.
 */
import { createRequire } from 'node:module';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { eventCatalog } from '../src/index.js';
import { validateEvent } from '../src/validate.js';
import { defs, envelope, eventSchema } from './schemas.js';

const require = createRequire(import.meta.url);
const addFormats = require('ajv-formats') as (ajv: Ajv2020) => Ajv2020;

type Schema = { [key: string]: unknown; properties?: Record<string, Schema> };

/** The new version's validator of incident.created: `data.region` added, optional. */
function newProducerValidator() {
  const schema = structuredClone(eventSchema('incident.created')) as Schema;
  const data = schema.properties?.data as Schema & { properties: Record<string, Schema> };
  data.properties.region = { type: 'string', description: 'Region (added in the new version).' };
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(defs);
  ajv.addSchema(envelope);
  return ajv.compile(schema);
}

const example = () =>
  structuredClone(eventCatalog['incident.created'].examples[0]) as unknown as {
    data: Record<string, unknown>;
  };

describe('an old reader and a newer producer', () => {
  it('accepts, in tolerant mode, an event carrying a field added by a newer schema, and keeps it', () => {
    const event = example();
    event.data.region = 'eu-west-1';
    expect(newProducerValidator()(event)).toBe(true); // the new producer may send it
    const read = validateEvent(event, { mode: 'tolerant' });
    expect(read.ok).toBe(true);
    expect(read.ok && (read.event.data as unknown as Record<string, unknown>).region).toBe(
      'eu-west-1',
    );
  });

  it('still refuses that event at a strict ingest of the old version (producers stay strict)', () => {
    const event = example();
    event.data.region = 'eu-west-1';
    expect(validateEvent(event).ok).toBe(false);
  });

  it('refuses, even in tolerant mode, an event whose producer dropped a required field', () => {
    const event = example();
    delete event.data.title;
    const read = validateEvent(event, { mode: 'tolerant' });
    expect(read).toEqual({
      ok: false,
      errors: [{ path: '/data/title', keyword: 'required', message: 'is required' }],
    });
  });
});
