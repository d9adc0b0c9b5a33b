import { compile } from 'json-schema-to-typescript';
import { buildModel, header, type JsonSchema, type SchemaSet } from './model.js';

const ROOT = 'CauseFlowSchemaRoot';
const LOCAL_DEF = /^(?:\.\.\/|\.\/)?defs\.json#\/\$defs\//;

/**
 * Rewrites `$ref`s to `defs.json#/$defs/X` as `tsType: X`, recursively, so a property keeps its own
 * description without json-schema-to-typescript minting a copy of the type (`IncidentId1`, …).
 * Drops keywords that mean nothing to the types (examples, ids, our `x-` annotations).
 */
function localiseRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(localiseRefs);
  if (value === null || typeof value !== 'object') return value;
  const out: JsonSchema = {};
  for (const [key, inner] of Object.entries(value)) {
    if (key === '$ref' && typeof inner === 'string' && LOCAL_DEF.test(inner))
      out.tsType = inner.replace(LOCAL_DEF, '');
    else if (key === 'examples' || key === '$schema' || key === '$id' || key.startsWith('x-'))
      continue;
    else out[key] = localiseRefs(inner);
  }
  return out;
}

/**
 * One self-contained schema holding every definition and event, so json-schema-to-typescript
 * declares each shared type once: `XData` per payload, `XEvent` per envelope, and the union.
 */
export function combinedSchema(set: SchemaSet): JsonSchema {
  const events = buildModel(set);
  const defs = (set.defs.schema.$defs ?? {}) as Record<string, JsonSchema>;
  const $defs: Record<string, unknown> = {};
  for (const [key, def] of Object.entries(defs))
    $defs[key] = { ...(localiseRefs(def) as JsonSchema), title: key };
  for (const event of events) {
    const local = localiseRefs(event.schema) as JsonSchema;
    const properties = local.properties as Record<string, JsonSchema>;
    const data = properties.data as JsonSchema;
    $defs[`${event.typeBase}Data`] = {
      ...data,
      title: `${event.typeBase}Data`,
      description: `Payload of \`${event.name}\`: ${event.whenEmitted}.`,
    };
    $defs[`${event.typeBase}Event`] = {
      ...local,
      title: `${event.typeBase}Event`,
      description: `${event.title} (\`${event.name}\`). ${event.description}\n\nWhen emitted: ${event.whenEmitted}.`,
      properties: { ...properties, data: { tsType: `${event.typeBase}Data` } },
    };
  }
  // json-schema-to-typescript declares `$defs` only under an object root; the root itself is dropped.
  return { title: ROOT, type: 'object', additionalProperties: false, $defs };
}

/**
 * Emits `types.ts`: an interface per event payload and envelope, the shared definitions,
 * `CauseFlowEvent` (discriminated union), `EventName`, `EventMap` and the generic `EventEnvelope`.
 */
export async function emitTypes(set: SchemaSet): Promise<string> {
  const events = buildModel(set);
  const compiled = await compile(combinedSchema(set) as never, ROOT, {
    bannerComment: '',
    additionalProperties: false,
    declareExternallyReferenced: true,
    unreachableDefinitions: true,
    strictIndexSignatures: true,
    unknownAny: true,
    format: true,
    style: { singleQuote: true, printWidth: 100, trailingComma: 'all' },
    $refOptions: { resolve: { http: false, file: false } } as never,
  });
  const body = compiled
    .replace(new RegExp(`export interface ${ROOT} \\{\\s*\\}\\n`), '')
    .replace(
      /\n\s*\* ?\n\s*\* This interface was referenced by `\w+`'s JSON-Schema\n\s*\* via the `definition` "\w+"\./g,
      '',
    );
  const union = events.map((e) => `  | ${e.typeBase}Event`).join('\n');
  const names = events.map((e) => `  | ${JSON.stringify(e.name)}`).join('\n');
  const map = events.map((e) => `  ${JSON.stringify(e.name)}: ${e.typeBase}Event;`).join('\n');
  return `${header('types')}
${body.trim()}

/** Any CauseFlow event: a union discriminated by \`event\`. */
export type CauseFlowEvent =
${union};

/** Every event name of the catalog. */
export type EventName =
${names};

/** Event name → its envelope type. */
export interface EventMap {
${map}
}

/** The shape every event shares; \`data\` is typed per event by \`EventMap\`. */
export interface EventEnvelope<N extends string = string, D = unknown> {
  event: N;
  id?: EventId;
  timestamp: Timestamp;
  tenantId: TenantId;
  data: D;
}
`;
}
