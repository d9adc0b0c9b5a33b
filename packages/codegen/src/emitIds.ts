import { asciiOnly, header, type JsonSchema, type SchemaSet } from './model.js';

function isObject(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The `<Name>Id` definitions of defs.json that have a string `pattern`, sorted by name. */
export function idDefinitions(set: SchemaSet): { name: string; pattern: string }[] {
  const defs = set.defs.schema.$defs;
  if (!isObject(defs)) return [];
  return Object.entries(defs)
    .filter(([name, def]) => /^[A-Z]\w*Id$/.test(name) && isObject(def))
    .map(([name, def]) => ({ name, pattern: (def as JsonSchema).pattern }))
    .filter((d): d is { name: string; pattern: string } => typeof d.pattern === 'string')
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}

/**
 * Emits `ids.ts`: `ID_PATTERNS`, one `RegExp` per id definition of defs.json (`TenantId`,
 * `IncidentId`, …), with the `u` flag as the validators use them; so code outside the
 * validators checks ids with the schema's own pattern instead of a copy.
 */
export function emitIds(set: SchemaSet): string {
  const ids = idDefinitions(set);
  const entries = ids
    .map(({ name, pattern }) => `  ${name}: new RegExp(${JSON.stringify(pattern)}, 'u'),`)
    .join('\n');
  const names = ids.map(({ name }) => JSON.stringify(name)).join(' | ') || 'never';
  return asciiOnly(`${header('id patterns of defs.json')}
/** Name of an id definition in schemas/defs.json. */
export type IdKind = ${names};

/** The pattern of every id definition in schemas/defs.json, e.g. \`ID_PATTERNS.TenantId\`. */
export const ID_PATTERNS: { readonly [K in IdKind]: RegExp } = {
${entries}
};
`);
}
