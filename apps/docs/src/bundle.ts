/**
 * Self-contained JSON Schemas for download: an event schema with every `defs.json` reference
 * pointed at its own `$defs` (only the definitions it uses, transitively), so one file validates
 * an event with no other file at hand. `$id` stays the canonical id.
 */
import type { JsonSchema } from '@causeflow/codegen';
import { type Defs, DocsError, rewriteRefs } from './schema.js';

/** The names of the defs a schema refers to, directly or through other defs. */
export function usedDefs(schema: JsonSchema, defs: Defs): string[] {
  const found = new Set<string>();
  const visit = (value: unknown): void => {
    rewriteRefs(value, (name) => {
      if (!found.has(name)) {
        found.add(name);
        const def = defs[name];
        if (!def) throw new DocsError(`$ref points at no def "${name}"`);
        visit(def);
      }
      return name;
    });
  };
  visit(schema);
  return [...found].sort();
}

/**
 * The event schema with its refs resolved into a local `$defs`.
 * @example bundleSchema(event.schema, model.defs).$defs.Severity; // { enum: [...] }
 */
export function bundleSchema(schema: JsonSchema, defs: Defs): JsonSchema {
  const local = (name: string) => `#/$defs/${name}`;
  const names = usedDefs(schema, defs);
  const bundled = rewriteRefs(schema, local) as JsonSchema;
  return {
    ...bundled,
    $defs: Object.fromEntries(names.map((n) => [n, rewriteRefs(defs[n], local)])),
  };
}
