import { asciiOnly, buildModel, header, type SchemaSet } from './model.js';

/**
 * Emits `catalog.ts`: the domains and, per event, its name, domain, title, description,
 * when-emitted text, schema `$id`, version and changelog, and examples. Docs, server and client read it.
 */
export function emitCatalog(set: SchemaSet): string {
  const events = buildModel(set);
  const domains = set.domains.map((d) => ({
    key: d.key,
    title: d.title,
    description: d.description,
  }));
  const entries = events.map((e) => ({
    name: e.name,
    domain: e.domain,
    title: e.title,
    description: e.description,
    whenEmitted: e.whenEmitted,
    schemaId: e.id,
    version: e.version,
    changelog: e.changelog,
    deprecated: e.deprecated,
    examples: e.examples,
  }));
  return asciiOnly(`${header('event catalog')}import type { EventMap, EventName } from './types.js';

/** A domain of the catalog (tenant, incident, ...) with the title the product uses. */
export interface CatalogDomain {
  readonly key: DomainKey;
  readonly title: string;
  readonly description: string;
}

/** One declared change of an event's schema. */
export interface CatalogChange {
  readonly version: number;
  readonly date: string;
  readonly breaking: boolean;
  readonly note: string;
}

/** The catalog entry of one event. */
export interface CatalogEntry<N extends EventName = EventName> {
  readonly name: N;
  readonly domain: DomainKey;
  readonly title: string;
  readonly description: string;
  readonly whenEmitted: string;
  readonly schemaId: string;
  /** The schema's \`x-version\` (1 until a declared breaking change). */
  readonly version: number;
  /** Declared changes (\`x-changelog\`), oldest first; the docs show them. */
  readonly changelog: readonly CatalogChange[];
  /** True when the event is deprecated and will be removed. */
  readonly deprecated: boolean;
  readonly examples: readonly EventMap[N][];
}

/** Every domain key. */
export type DomainKey = ${domains.map((d) => JSON.stringify(d.key)).join(' | ')};

/** The domains in catalog order. */
export const DOMAINS: readonly CatalogDomain[] = ${JSON.stringify(domains, null, 2)};

/** Every event name, sorted. */
export const EVENT_NAMES: readonly EventName[] = ${JSON.stringify(
    events.map((e) => e.name),
    null,
    2,
  )};

/** The catalog: one entry per event, sorted by name. */
export const EVENT_CATALOG: { readonly [N in EventName]: CatalogEntry<N> } = ${JSON.stringify(
    Object.fromEntries(entries.map((e) => [e.name, e])),
    null,
    2,
  )};
`);
}
