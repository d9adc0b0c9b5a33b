/**
 * Reading JSON Schemas the way the docs need them: `$ref`s into `defs.json` resolved (keeping the
 * def's name), and refs rewritten for documents that carry their own `components`.
 */
import type { JsonSchema } from '@causeflow/codegen';

/** Raised when the schema set cannot be documented (e.g. a `$ref` to a def that does not exist). */
export class DocsError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DocsError';
  }
}

/** True for a plain JSON object (a schema or a map of schemas). */
export function isObject(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The `$defs` of `defs.json`, keyed by def name. */
export type Defs = Readonly<Record<string, JsonSchema>>;

const DEF_REF = /(?:^|\/)defs\.json#\/\$defs\/([^/]+)$|^#\/\$defs\/([^/]+)$/;

/**
 * The def name a `$ref` points at, for refs into `defs.json` (`../defs.json#/$defs/TenantId`,
 * `defs.json#/$defs/TenantId`) or local `#/$defs/…`; undefined for any other ref.
 * @example defName('../defs.json#/$defs/IncidentId'); // 'IncidentId'
 */
export function defName(ref: string): string | undefined {
  const match = DEF_REF.exec(ref);
  return match ? (match[1] ?? match[2]) : undefined;
}

/** A schema with its `$ref` (if any) resolved, and the name of the def it came from. */
export interface ResolvedSchema {
  readonly schema: JsonSchema;
  /** Name of the def the schema was taken from (the first one, when defs refer to defs). */
  readonly def?: string;
}

/**
 * Resolves a schema's `$ref` into `defs`, merging the keywords written beside the `$ref` over the
 * def's own (so a property's `description` wins over the def's). Follows chains of refs.
 * @example resolveSchema({ $ref: '../defs.json#/$defs/Severity', description: 'x' }, defs);
 */
export function resolveSchema(schema: JsonSchema, defs: Defs): ResolvedSchema {
  let current = schema;
  let first: string | undefined;
  const seen = new Set<string>();
  while (typeof current.$ref === 'string') {
    const ref = current.$ref;
    const name = defName(ref);
    if (name === undefined) throw new DocsError(`unsupported $ref "${ref}": only defs.json refs`);
    if (seen.has(name)) throw new DocsError(`circular $ref through "${name}"`);
    seen.add(name);
    const target = defs[name];
    if (!target) throw new DocsError(`$ref "${ref}" points at no def in defs.json`);
    first ??= name;
    const { $ref: _drop, ...siblings } = current;
    current = { ...target, ...siblings };
  }
  return first === undefined ? { schema: current } : { schema: current, def: first };
}

/**
 * Deep-copies a schema, replacing every `$ref` into `defs.json` with `toRef(defName)`.
 * Used to point event schemas at `#/components/schemas/<Def>` in AsyncAPI and OpenAPI.
 * @example rewriteRefs(schema, (name) => `#/components/schemas/${name}`);
 */
export function rewriteRefs(schema: unknown, toRef: (def: string) => string): unknown {
  if (Array.isArray(schema)) return schema.map((item) => rewriteRefs(item, toRef));
  if (!isObject(schema)) return schema;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$ref' && typeof value === 'string') {
      const name = defName(value);
      if (name === undefined)
        throw new DocsError(`unsupported $ref "${value}": only defs.json refs`);
      out.$ref = toRef(name);
    } else if (key === 'examples' || key === 'const' || key === 'enum' || key === 'default') {
      out[key] = structuredClone(value);
    } else {
      out[key] = rewriteRefs(value, toRef);
    }
  }
  return out;
}

/** The `$defs` map of a `defs.json` schema. */
export function defsOf(defsSchema: JsonSchema): Defs {
  const defs = defsSchema.$defs;
  return isObject(defs) ? (defs as Record<string, JsonSchema>) : {};
}
