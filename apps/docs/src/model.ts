/**
 * The docs model: the schema set (as loaded by @causeflow/codegen) turned into what every page and
 * API document needs. Pure: the generator script does the file system work.
 */
import {
  buildModel,
  type Domain,
  type EventModel,
  type JsonSchema,
  type SchemaSet,
} from '@causeflow/codegen';
import { type Defs, defsOf } from './schema.js';

/** Everything the docs are generated from. */
export interface DocsModel {
  /** Events sorted by name. */
  readonly events: readonly EventModel[];
  readonly domains: readonly Domain[];
  readonly defs: Defs;
  readonly envelope: JsonSchema;
  /** `info.version` of the API documents. */
  readonly version: string;
}

/**
 * Builds the docs model from a schema set.
 * @example const model = docsModel(await loadSchemaSet('schemas'), '0.1.0');
 */
export function docsModel(set: SchemaSet, version = '0.1.0'): DocsModel {
  return {
    events: buildModel(set),
    domains: set.domains,
    defs: defsOf(set.defs.schema),
    envelope: set.envelope.schema,
    version,
  };
}

/** The domain title of a key (`incident` → `Ingestion`), or the key when it is not listed. */
export function domainTitle(model: DocsModel, key: string): string {
  return model.domains.find((d) => d.key === key)?.title ?? key;
}
