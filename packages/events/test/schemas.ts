/**
 * Test helpers that read the source schemas (@causeflow/schemas) to know, per event, which data
 * fields are required, their JSON type, enum values, id patterns and formats; and an ajv oracle
 * compiled from them at test time, to compare the generated standalone validators with.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv2020 } from 'ajv/dist/2020.js';

const require = createRequire(import.meta.url);
const addFormats = require('ajv-formats') as (ajv: Ajv2020) => Ajv2020;

type Schema = { [key: string]: unknown };

function readSchema(path: string): Schema {
  return JSON.parse(readFileSync(require.resolve(`@causeflow/schemas/${path}`), 'utf8')) as Schema;
}

/** The source schemas: defs, envelope and one per event name. */
export const defs = readSchema('defs.json');
export const envelope = readSchema('envelope.json');
export function eventSchema(name: string): Schema {
  return readSchema(`events/${name}.json`);
}

/** What a test needs to know about one top-level data field. */
export interface FieldInfo {
  readonly name: string;
  readonly required: boolean;
  readonly type: string;
  readonly enum?: readonly unknown[];
  /** Set for ids: the prefix pattern, e.g. `^inc_…`. */
  readonly idPattern?: string;
  readonly format?: string;
}

function resolveRef(schema: Schema): Schema {
  const ref = schema.$ref;
  if (typeof ref !== 'string') return schema;
  const key = ref.replace(/^.*#\/\$defs\//, '');
  const def = (defs.$defs as Record<string, Schema>)[key];
  if (!def) throw new Error(`unknown $ref ${ref}`);
  return { ...def, ...schema };
}

/** The top-level data fields of an event, as declared by its schema. */
export function dataFields(name: string): FieldInfo[] {
  const data = (eventSchema(name).properties as Record<string, Schema>).data as Schema;
  const required = new Set(data.required as string[]);
  return Object.entries(data.properties as Record<string, Schema>).map(([field, raw]) => {
    const s = resolveRef(raw);
    const pattern = typeof s.pattern === 'string' ? s.pattern : undefined;
    return {
      name: field,
      required: required.has(field),
      type: String(s.type ?? (s.enum ? 'string' : 'unknown')),
      ...(Array.isArray(s.enum) ? { enum: s.enum } : {}),
      ...(pattern && /^\^[a-z]+_/.test(pattern) ? { idPattern: pattern } : {}),
      ...(typeof s.format === 'string' ? { format: s.format } : {}),
    };
  });
}

/** A value of the wrong JSON type for a field of `type`. */
export function wrongTypeValue(type: string): unknown {
  switch (type) {
    case 'string':
      return 42;
    case 'number':
    case 'integer':
      return 'forty-two';
    case 'boolean':
      return 'yes';
    case 'array':
      return 'not an array';
    default:
      return 'not an object';
  }
}

let oracle: ((value: unknown) => boolean) | undefined;

/**
 * An independent judge: ajv compiling the source schemas at run time (not the generated code).
 * True when `value` is an object whose `event` names a schema and that schema accepts it.
 */
export function oracleAccepts(value: unknown, names: readonly string[]): boolean {
  if (!oracle) {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats(ajv);
    ajv.addSchema(defs);
    ajv.addSchema(envelope);
    const validators = new Map(
      names.map((name) => {
        const schema = eventSchema(name);
        ajv.addSchema(schema);
        return [name, ajv.getSchema(String(schema.$id))!] as const;
      }),
    );
    oracle = (v) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
      const validate = validators.get(String((v as { event?: unknown }).event));
      return validate ? validate(v) === true : false;
    };
  }
  return oracle(value);
}
