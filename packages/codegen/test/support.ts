/**
 * Shared helpers of the codegen tests: paths, the fixture schema set, and builders for tiny
 * in-memory schema sets used by the table-driven emitter tests.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSchemaSet } from '../src/load.js';
import type { JsonSchema, SchemaFile, SchemaSet } from '../src/model.js';

/** packages/codegen */
export const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The monorepo root. */
export const repoRoot = resolve(packageRoot, '../..');
/** The fixture schema set (defs, envelope, 2 domains, 3 events). */
export const fixtureSchemasDir = join(packageRoot, 'test/fixtures/schemas');
/** Golden output of the emitters for the fixture set. */
export const goldenDir = join(packageRoot, 'test/fixtures/golden');

let fixture: Promise<SchemaSet> | undefined;

/** A fresh deep copy of the fixture schema set, safe to mutate. */
export async function loadFixture(): Promise<SchemaSet> {
  fixture ??= loadSchemaSet(fixtureSchemasDir);
  return structuredClone(await fixture);
}

/** The event file `events/<name>.json` of a set; throws when absent. */
export function eventFile(set: SchemaSet, name: string): SchemaFile {
  const found = set.events.find((e) => e.file === `events/${name}.json`);
  if (!found) throw new Error(`no events/${name}.json in the set`);
  return found;
}

/** The `data` schema of an event file. */
export function dataOf(file: SchemaFile): JsonSchema {
  return (file.schema.properties as Record<string, JsonSchema>).data as JsonSchema;
}

const ID = 'https://schemas.example.test';

/** Shared definitions for in-memory sets: the envelope ids, a timestamp, an id and an enum. */
export const tinyDefs: JsonSchema = {
  $id: `${ID}/defs.json`,
  $defs: {
    TenantId: {
      title: 'TenantId',
      description: 'A tenant.',
      type: 'string',
      pattern: '^ten_[a-z0-9]+$',
    },
    EventId: {
      title: 'EventId',
      description: 'An event id.',
      type: 'string',
      pattern: '^evt_[a-z0-9]+$',
    },
    Timestamp: { title: 'Timestamp', description: 'A time.', type: 'string', format: 'date-time' },
    OrderId: {
      title: 'OrderId',
      description: 'An order.',
      type: 'string',
      pattern: '^ord_[a-z0-9]+$',
    },
    Priority: {
      title: 'Priority',
      description: 'A priority.',
      type: 'string',
      enum: ['high', 'low'],
    },
  },
};

/** An event schema for `name` whose payload is `data` (merged over a strict object schema). */
export function tinyEvent(name: string, data: JsonSchema, extra: JsonSchema = {}): SchemaFile {
  const ref = (def: string) => ({ $ref: `../defs.json#/$defs/${def}` });
  return {
    file: `events/${name}.json`,
    schema: {
      $id: `${ID}/events/${name}.json`,
      title: `Title of ${name}`,
      description: `Description of ${name}.`,
      'x-domain': name.split('.')[0],
      'x-when-emitted': `When ${name} happens`,
      type: 'object',
      required: ['event', 'timestamp', 'tenantId', 'data'],
      additionalProperties: false,
      properties: {
        event: { const: name },
        id: ref('EventId'),
        timestamp: ref('Timestamp'),
        tenantId: ref('TenantId'),
        data: { type: 'object', additionalProperties: false, ...data },
      },
      examples: [],
      ...extra,
    },
  };
}

/** A schema set from event files, with `tinyDefs`, a plain envelope and one domain per prefix. */
export function tinySet(events: SchemaFile[], domains?: string[]): SchemaSet {
  const keys = domains ?? [
    ...new Set(events.map((e) => e.file.replace(/^events\//, '').split('.')[0]!)),
  ];
  return {
    defs: { file: 'defs.json', schema: structuredClone(tinyDefs) },
    envelope: {
      file: 'envelope.json',
      schema: {
        $id: `${ID}/envelope.json`,
        type: 'object',
        required: ['event', 'timestamp', 'tenantId', 'data'],
        additionalProperties: false,
        properties: {
          event: { type: 'string' },
          id: { $ref: 'defs.json#/$defs/EventId' },
          timestamp: { $ref: 'defs.json#/$defs/Timestamp' },
          tenantId: { $ref: 'defs.json#/$defs/TenantId' },
          data: { type: 'object' },
        },
      },
    },
    domains: keys.map((key) => ({ key, title: `Title ${key}`, description: `About ${key}.` })),
    events,
  };
}
