import type { JsonSchema, SchemaFile, SchemaSet } from './model.js';

/**
 * Keywords that document a schema and validate nothing. With every `x-…` keyword (ours:
 * `x-domain`, `x-version`, …) they are what `stripAnnotations` removes and what the
 * compatibility check never reports as a change for readers.
 */
export const ANNOTATIONS: ReadonlySet<string> = new Set([
  'title',
  'description',
  'examples',
  '$comment',
  'default',
  'deprecated',
  'readOnly',
  'writeOnly',
]);

/** True for an annotation keyword: one of `ANNOTATIONS` or any `x-…` keyword. */
export function isAnnotation(key: string): boolean {
  return ANNOTATIONS.has(key) || key.startsWith('x-');
}
const SCHEMA_MAPS = ['properties', 'patternProperties', '$defs', 'dependentSchemas'];
const SCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'];
const SCHEMA_VALUES = [
  'items',
  'additionalProperties',
  'not',
  'if',
  'then',
  'else',
  'contains',
  'propertyNames',
  'unevaluatedProperties',
  'unevaluatedItems',
];

function isObject(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Removes annotation keywords (title, description, examples, `x-…`) from a schema, walking only
 * subschema positions, so a property that happens to be named "description" is kept.
 * Validators built from the result change only when validation changes.
 */
export function stripAnnotations(schema: unknown): unknown {
  if (!isObject(schema)) return schema;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (isAnnotation(key)) continue;
    if (SCHEMA_MAPS.includes(key) && isObject(value)) {
      out[key] = Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, stripAnnotations(v)]),
      );
    } else if (SCHEMA_LISTS.includes(key) && Array.isArray(value)) {
      out[key] = value.map(stripAnnotations);
    } else if (SCHEMA_VALUES.includes(key)) {
      out[key] = stripAnnotations(value);
    } else {
      out[key] = value;
    }
  }
  return out;
}

function stripFile(file: SchemaFile): SchemaFile {
  return { file: file.file, schema: stripAnnotations(file.schema) as JsonSchema };
}

/** The same set with every schema's annotations removed (see `stripAnnotations`). */
export function stripSchemaSet(set: SchemaSet): SchemaSet {
  return {
    ...set,
    defs: stripFile(set.defs),
    envelope: stripFile(set.envelope),
    events: set.events.map(stripFile),
  };
}
