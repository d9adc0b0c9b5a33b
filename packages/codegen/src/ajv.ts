import { createRequire } from 'node:module';
import type { Ajv2020 as AjvType, Options } from 'ajv/dist/2020.js';
import type { SchemaSet } from './model.js';

const require = createRequire(import.meta.url);
// ajv and ajv-formats are CommonJS; loading them through require keeps their default exports intact.
const Ajv2020 = require('ajv/dist/2020').default as typeof AjvType;
const addFormats = require('ajv-formats').default as (ajv: AjvType) => AjvType;

/**
 * Keywords of ours that ajv's strict mode must accept as annotations. `x-version` and
 * `x-changelog` are the escape hatch of the compatibility check (see compat.ts).
 */
export const CUSTOM_KEYWORDS = ['x-domain', 'x-when-emitted', 'x-version', 'x-changelog'] as const;

/** An ajv instance in strict mode with formats and our annotation keywords. */
export function createAjv(options: Options = {}): AjvType {
  const ajv = new Ajv2020({ strict: true, allErrors: true, ...options });
  addFormats(ajv);
  for (const keyword of CUSTOM_KEYWORDS) ajv.addKeyword(keyword);
  return ajv;
}

/** Adds every schema of the set to `ajv` (defs, envelope, events) so `$ref`s resolve by `$id`. */
export function addSchemaSet(ajv: AjvType, set: SchemaSet): void {
  ajv.addSchema(set.defs.schema);
  ajv.addSchema(set.envelope.schema);
  for (const event of set.events) ajv.addSchema(event.schema);
}
