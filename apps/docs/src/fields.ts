/**
 * Field tables: one row per property of an event, nested objects flattened into JSON paths
 * (`data.target.service`, `data.items[].name`), every `$ref` resolved into its def.
 */
import type { JsonSchema } from '@causeflow/codegen';
import { type Defs, isObject, resolveSchema } from './schema.js';

/** One row of a field table. */
export interface FieldRow {
  /** JSON path from the envelope root, e.g. `data.incidentId` or `data.items[].name`. */
  readonly path: string;
  /** Type label: `string`, `integer`, `string[]`, `object`, `string | null`, … */
  readonly type: string;
  /** Name of the `defs.json` definition the type comes from, when it is a `$ref`. */
  readonly def?: string;
  /** Whether the property must be present in its parent object. */
  readonly required: boolean;
  readonly format?: string;
  readonly enum?: readonly unknown[];
  readonly pattern?: string;
  /** Human-readable constraints: lengths, bounds, item counts, const, default, dependencies. */
  readonly constraints: readonly string[];
  readonly description: string;
}

function typesOf(schema: JsonSchema): string[] {
  if (schema.const !== undefined) return [jsonType(schema.const)];
  if (typeof schema.type === 'string') return [schema.type];
  if (Array.isArray(schema.type)) return schema.type.map(String);
  if (Array.isArray(schema.enum)) return [...new Set(schema.enum.map(jsonType))];
  if (isObject(schema.properties)) return ['object'];
  return [];
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/**
 * The type label of a (resolved) schema: `string`, `integer | null`, `string[]`, `object[]`,
 * `A | B` for `oneOf`/`anyOf` branches, `any` when nothing constrains it.
 * @example typeLabel({ type: 'array', items: { type: 'string' } }, {}); // 'string[]'
 */
export function typeLabel(schema: JsonSchema, defs: Defs): string {
  const branches = (schema.oneOf ?? schema.anyOf) as unknown;
  if (Array.isArray(branches) && branches.length > 0 && schema.type === undefined) {
    return branches
      .filter(isObject)
      .map((branch) => typeLabel(resolveSchema(branch, defs).schema, defs))
      .join(' | ');
  }
  const labels = typesOf(schema).map((t) => {
    if (t !== 'array') return t;
    if (!isObject(schema.items)) return 'array';
    const item = typeLabel(resolveSchema(schema.items, defs).schema, defs);
    return item.includes(' ') ? `(${item})[]` : `${item}[]`;
  });
  return labels.length > 0 ? labels.join(' | ') : 'any';
}

function range(min: unknown, max: unknown, unit: string): string | undefined {
  const lo = typeof min === 'number' ? min : undefined;
  const hi = typeof max === 'number' ? max : undefined;
  if (lo !== undefined && hi !== undefined) return `${unit} ${lo}–${hi}`;
  if (lo !== undefined) return `${unit} ≥ ${lo}`;
  if (hi !== undefined) return `${unit} ≤ ${hi}`;
  return undefined;
}

function bound(
  exclusive: unknown,
  inclusive: unknown,
  exclusiveOp: string,
  inclusiveOp: string,
): { op: string; value: number } | undefined {
  if (typeof exclusive === 'number') return { op: exclusiveOp, value: exclusive };
  if (typeof inclusive === 'number') return { op: inclusiveOp, value: inclusive };
  return undefined;
}

/**
 * The constraints of one schema as short phrases (`length 1–500`, `0 ≤ value ≤ 1`, `items ≥ 1`,
 * `unique items`, `const "x"`, `default: 5`, `no other properties`).
 * @example constraintsOf({ minLength: 1, maxLength: 500 }); // ['length 1–500']
 */
export function constraintsOf(schema: JsonSchema): string[] {
  const out: string[] = [];
  if (schema.const !== undefined) out.push(`const ${JSON.stringify(schema.const)}`);
  const length = range(schema.minLength, schema.maxLength, 'length');
  if (length) out.push(length);
  const lo = bound(schema.exclusiveMinimum, schema.minimum, '>', '≥');
  const hi = bound(schema.exclusiveMaximum, schema.maximum, '<', '≤');
  if (lo && hi) {
    out.push(`${lo.value} ${lo.op === '>' ? '<' : '≤'} value ${hi.op} ${hi.value}`);
  } else if (lo ?? hi) {
    const only = (lo ?? hi)!;
    out.push(`value ${only.op} ${only.value}`);
  }
  if (typeof schema.multipleOf === 'number') out.push(`multiple of ${schema.multipleOf}`);
  const items = range(schema.minItems, schema.maxItems, 'items');
  if (items) out.push(items);
  if (schema.uniqueItems === true) out.push('unique items');
  const props = range(schema.minProperties, schema.maxProperties, 'properties');
  if (props) out.push(props);
  if (schema.additionalProperties === false && isObject(schema.properties)) {
    out.push('no other properties');
  }
  if (schema.default !== undefined) out.push(`default: ${JSON.stringify(schema.default)}`);
  if (schema.deprecated === true) out.push('deprecated');
  return out;
}

function requiredOf(schema: JsonSchema): ReadonlySet<string> {
  return new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
}

function dependenciesOf(parent: JsonSchema, key: string): string[] {
  const deps = parent.dependentRequired;
  if (!isObject(deps)) return [];
  const list = deps[key];
  return Array.isArray(list) && list.length > 0 ? [`requires ${list.map(String).join(', ')}`] : [];
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function scalarColumns(schema: JsonSchema): Pick<FieldRow, 'format' | 'enum' | 'pattern'> {
  return {
    ...(typeof schema.format === 'string' ? { format: schema.format } : {}),
    ...(Array.isArray(schema.enum) ? { enum: schema.enum } : {}),
    ...(typeof schema.pattern === 'string' ? { pattern: schema.pattern } : {}),
  };
}

function propertyRows(object: JsonSchema, prefix: string, defs: Defs, depth: number): FieldRow[] {
  if (!isObject(object.properties)) return [];
  const required = requiredOf(object);
  const rows: FieldRow[] = [];
  for (const [key, raw] of Object.entries(object.properties)) {
    if (!isObject(raw)) continue;
    const path = prefix ? `${prefix}.${key}` : key;
    rows.push(
      ...schemaRows(raw, path, required.has(key), dependenciesOf(object, key), defs, depth),
    );
  }
  return rows;
}

function schemaRows(
  raw: JsonSchema,
  path: string,
  required: boolean,
  extra: readonly string[],
  defs: Defs,
  depth: number,
): FieldRow[] {
  if (depth > 32) return [];
  const { schema, def } = resolveSchema(raw, defs);
  const constraints = [...constraintsOf(schema), ...extra];
  let description = text(schema.description);
  let columns = scalarColumns(schema);
  let itemDef: string | undefined;
  const nested: FieldRow[] = [];

  if (isObject(schema.items)) {
    const item = resolveSchema(schema.items, defs);
    itemDef = item.def;
    if (isObject(item.schema.properties)) {
      nested.push(...propertyRows(item.schema, `${path}[]`, defs, depth + 1));
    } else {
      // Scalar items: their format/enum/pattern/constraints describe the array's values.
      columns = { ...scalarColumns(item.schema), ...columns };
      constraints.push(...constraintsOf(item.schema).map((c) => `each item: ${c}`));
      const itemText = text(schema.items.description) || text(item.schema.description);
      if (itemText && itemText !== description) {
        description = description ? `${description} Each item: ${itemText}` : itemText;
      }
    }
  }
  if (isObject(schema.properties)) nested.push(...propertyRows(schema, path, defs, depth + 1));

  const defLabel = def ?? itemDef;
  const row: FieldRow = {
    path,
    type: typeLabel(schema, defs),
    ...(defLabel === undefined ? {} : { def: defLabel }),
    required,
    ...columns,
    constraints,
    description,
  };
  return [row, ...nested];
}

/**
 * Rows for every property of an object schema, depth first; nested objects and arrays of
 * objects contribute rows under their path. `prefix` is the path of the object itself.
 * @example fieldRows(schema.properties.data, defs, 'data'); // [{ path: 'data.incidentId', … }]
 */
export function fieldRows(object: JsonSchema, defs: Defs, prefix = ''): FieldRow[] {
  return propertyRows(resolveSchema(object, defs).schema, prefix, defs, 0);
}

/**
 * The envelope rows of an event schema: its top-level properties, `data` included but not
 * expanded (its properties are `payloadRows`).
 */
export function envelopeRows(eventSchema: JsonSchema, defs: Defs): FieldRow[] {
  const required = requiredOf(eventSchema);
  const props = isObject(eventSchema.properties) ? eventSchema.properties : {};
  return Object.entries(props)
    .filter((entry): entry is [string, JsonSchema] => isObject(entry[1]))
    .map(([key, raw]) => {
      const rows = schemaRows(raw, key, required.has(key), [], defs, 0);
      return key === 'data' ? { ...rows[0]!, constraints: [] } : rows[0]!;
    });
}

/** The rows of an event's `data` payload, paths starting with `data.`. */
export function payloadRows(eventSchema: JsonSchema, defs: Defs): FieldRow[] {
  const props = isObject(eventSchema.properties) ? eventSchema.properties : {};
  const data = props.data;
  return isObject(data) ? fieldRows(data, defs, 'data') : [];
}
