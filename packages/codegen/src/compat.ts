/**
 * Schema compatibility check: compares two schema sets and classifies every change by what it
 * means for readers of events (SSE clients). Pure: the CLI (`pnpm schemas:compat`) loads the sets.
 *
 * Two kinds of reader exist at any moment, and the verdicts follow from them:
 * - `breaking`: a reader that upgrades can receive events its new types and validators reject or
 *   call impossible (events already in the log, producers not yet upgraded), or loses a field or
 *   an event it relied on. The new schema must accept everything the old one accepted.
 * - `decision`: a reader still on the previous version may mishandle events that use the new
 *   freedom: an enum value added (exhaustive switches), a constraint loosened or a type widened
 *   (its validator rejects the new values), a property made optional (it expects it). Reported,
 *   never failed: the decision is the rollout order.
 * - `compatible`: no reader, old or new, notices (docs, examples, reordering, a new event, which
 *   readers skip until they know its name, and an optional property added or
 *   `additionalProperties` opened: readers validate tolerantly, `validateEvent(v, { mode:
 *   'tolerant' })`, accepting and keeping properties their schema does not know).
 *
 * The per-keyword rules live in compatRules.ts (`KEYWORD_RULES`); this module compares sets.
 */
import {
  type ChangeRule,
  type Defs,
  diffNode,
  isObject,
  sameShape,
  type Verdict,
} from './compatRules.js';
import {
  type ChangelogEntry,
  changelog,
  eventConst,
  type JsonSchema,
  type SchemaFile,
  type SchemaSet,
  schemaVersion,
} from './model.js';

export { type ChangeRule, KEYWORD_RULES, type KeywordRule, type Verdict } from './compatRules.js';
/** One entry of an event's `x-changelog`: shown by the docs, required for a declared break. */
export { type ChangelogEntry, changelog, schemaVersion };

/** One classified change of one event, located by a JSON pointer into its (resolved) schema. */
export interface Change {
  readonly verdict: Verdict;
  /** Event name, or `envelope` for schemas/envelope.json. */
  readonly event: string;
  /** JSON pointer into the event schema with `$ref`s resolved; `""` is the event itself. */
  readonly pointer: string;
  readonly rule: ChangeRule;
  readonly reason: string;
  /** For a breaking change shipped on purpose: the `x-changelog` version that declares it. */
  readonly declaredIn?: number;
  /** For a breaking removal shipped on purpose: the base schema had `deprecated: true`. */
  readonly deprecatedFirst?: boolean;
}

/** Counts of a comparison, and whether it must fail CI (an undeclared breaking change). */
export interface CompatSummary {
  readonly breaking: number;
  readonly declared: number;
  readonly decision: number;
  readonly compatible: number;
  readonly failed: boolean;
}

/** Raised when a schema file of a set cannot be parsed. */
export class CompatError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CompatError';
  }
}

/** The set before the first commit: nothing, so every event of the other side is "added". */
export const EMPTY_SCHEMA_SET: SchemaSet = {
  defs: { file: 'defs.json', schema: {} },
  envelope: { file: 'envelope.json', schema: {} },
  domains: [],
  events: [],
};

/**
 * Builds a schema set from file contents keyed by path relative to the schemas folder
 * (`defs.json`, `envelope.json`, `domains.json`, `events/<name>.json`); missing files are empty.
 * @example
 * const base = schemaSetFromFiles(new Map([['events/a.b.json', text]]));
 */
export function schemaSetFromFiles(files: ReadonlyMap<string, string>): SchemaSet {
  const parse = (file: string): SchemaFile => {
    const text = files.get(file);
    if (text === undefined) return { file, schema: {} };
    try {
      return { file, schema: JSON.parse(text) as JsonSchema };
    } catch (cause) {
      throw new CompatError(`schemas/${file}: not valid JSON (${(cause as Error).message})`, {
        cause,
      });
    }
  };
  const domains = parse('domains.json').schema.domains;
  return {
    defs: parse('defs.json'),
    envelope: parse('envelope.json'),
    domains: Array.isArray(domains) ? (domains as SchemaSet['domains']) : [],
    events: [...files.keys()]
      .filter((f) => /^events\/[^/]+\.json$/.test(f))
      .sort()
      .map(parse),
  };
}

// ---------------------------------------------------------------------------------------------
// Versioning keywords: x-version and x-changelog

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Checks the shape of `x-version` (integer ≥ 1) and `x-changelog` (entries `{version, date,
 * breaking, note}`, versions increasing, none above `x-version`, one for `x-version` when > 1).
 * Returns `{pointer, message}` problems; lint.ts adds the file name.
 */
export function lintVersioning(schema: JsonSchema): { pointer: string; message: string }[] {
  const problems: { pointer: string; message: string }[] = [];
  const at = (pointer: string, message: string) => problems.push({ pointer, message });
  const version = schema['x-version'];
  const hasVersion = version !== undefined;
  if (hasVersion && !(typeof version === 'number' && Number.isInteger(version) && version >= 1)) {
    at('/x-version', 'x-version must be an integer ≥ 1 (absent means 1)');
  }
  const entries = schema['x-changelog'];
  if (entries === undefined) {
    if (schemaVersion(schema) > 1) {
      at('/x-changelog', `x-version ${schemaVersion(schema)} needs an x-changelog entry for it`);
    }
    return problems;
  }
  if (!Array.isArray(entries)) {
    at('/x-changelog', 'x-changelog must be an array of {version, date, breaking, note}');
    return problems;
  }
  let previous = 0;
  entries.forEach((entry: unknown, index) => {
    const where = `/x-changelog/${index}`;
    if (!isObject(entry)) {
      at(where, 'entry must be an object {version, date, breaking, note}');
      return;
    }
    const extra = Object.keys(entry).filter(
      (k) => !['version', 'date', 'breaking', 'note'].includes(k),
    );
    if (extra.length > 0) at(where, `unknown key(s) ${extra.map((k) => `"${k}"`).join(', ')}`);
    const v = entry.version;
    if (!(typeof v === 'number' && Number.isInteger(v) && v >= 1)) {
      at(`${where}/version`, 'version must be an integer ≥ 1');
    } else {
      if (v <= previous) at(`${where}/version`, 'versions must increase, oldest entry first');
      if (v > schemaVersion(schema)) {
        at(`${where}/version`, `version ${v} is above x-version ${schemaVersion(schema)}`);
      }
      previous = v;
    }
    if (typeof entry.date !== 'string' || !DATE.test(entry.date)) {
      at(`${where}/date`, 'date must be "YYYY-MM-DD"');
    }
    if (typeof entry.breaking !== 'boolean') at(`${where}/breaking`, 'breaking must be a boolean');
    if (typeof entry.note !== 'string' || entry.note.trim() === '') {
      at(`${where}/note`, 'note must say what changed and how consumers migrate');
    }
  });
  const current = schemaVersion(schema);
  if (current > 1 && !changelog(schema).some((e) => e.version === current)) {
    at('/x-changelog', `x-version ${current} needs an x-changelog entry for it`);
  }
  return problems;
}

function defsOf(set: SchemaSet): Defs {
  const defs = set.defs.schema.$defs;
  return isObject(defs) ? (defs as Defs) : {};
}

// ---------------------------------------------------------------------------------------------
// Sets

function eventsByName(set: SchemaSet): Map<string, JsonSchema> {
  const out = new Map<string, JsonSchema>();
  for (const { file, schema } of set.events) {
    out.set(eventConst(schema) ?? file.replace(/^.*\//, '').replace(/\.json$/, ''), schema);
  }
  return out;
}

function dataOf(schema: JsonSchema): unknown {
  return isObject(schema.properties) ? schema.properties.data : undefined;
}

function isEmpty(schema: JsonSchema): boolean {
  return Object.keys(schema).length === 0;
}

/** Marks the breaking changes of one event as declared when its x-version/x-changelog say so. */
function applyEscapeHatch(changes: Change[], base: JsonSchema, head: JsonSchema): Change[] {
  const from = schemaVersion(base);
  const to = schemaVersion(head);
  const entry = changelog(head)
    .filter((e) => e.breaking && e.version > from && e.version <= to)
    .at(-1);
  const out = changes.map((c) =>
    c.verdict === 'breaking' && entry !== undefined ? { ...c, declaredIn: entry.version } : c,
  );
  if (to < from) {
    out.push({
      verdict: 'breaking',
      event: changes[0]?.event ?? '',
      pointer: '/x-version',
      rule: 'version-decreased',
      reason: `x-version went down from ${from} to ${to}`,
    });
  }
  return out;
}

function byPosition(a: Change, b: Change): number {
  if (a.event !== b.event) return a.event < b.event ? -1 : 1;
  if (a.pointer !== b.pointer) return a.pointer < b.pointer ? -1 : 1;
  return 0;
}

/**
 * Compares two schema sets (base = before, head = after) and classifies every change for
 * readers. Changes through a `$ref` into defs.json are reported on each event that uses the def.
 * A breaking change is `declaredIn` a version when the event bumps `x-version` and adds an
 * `x-changelog` entry with `breaking: true`; an event removal is declared when the base schema
 * already had `deprecated: true`.
 * @example
 * const changes = compareSchemaSets(base, head);
 * if (summarize(changes).failed) process.exitCode = 1;
 */
export function compareSchemaSets(base: SchemaSet, head: SchemaSet): Change[] {
  const out: Change[] = [];
  const baseDefs = defsOf(base);
  const headDefs = defsOf(head);
  const before = eventsByName(base);
  const after = eventsByName(head);
  const added = [...after.keys()].filter((n) => !before.has(n)).sort();

  for (const [name, schema] of [...before].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const now = after.get(name);
    if (now === undefined) {
      const twin = added.find((n) =>
        sameShape(dataOf(schema), dataOf(after.get(n) ?? {}), baseDefs, headDefs),
      );
      const deprecatedFirst = schema.deprecated === true;
      out.push({
        verdict: 'breaking',
        event: name,
        pointer: '',
        rule: twin === undefined ? 'event-removed' : 'event-renamed',
        reason:
          twin === undefined
            ? 'event removed'
            : `event renamed to "${twin}" (readers subscribed to "${name}" stop receiving it)`,
        ...(deprecatedFirst ? { deprecatedFirst } : {}),
      });
      continue;
    }
    const changes: Change[] = [];
    diffNode({ event: name, base: baseDefs, head: headDefs, out: changes }, '', schema, now, []);
    out.push(...applyEscapeHatch(changes, schema, now).map((c) => ({ ...c, event: name })));
  }
  for (const name of added) {
    out.push({
      verdict: 'compatible',
      event: name,
      pointer: '',
      rule: 'event-added',
      reason: 'event added',
    });
  }
  if (!isEmpty(base.envelope.schema) && !isEmpty(head.envelope.schema)) {
    const changes: Change[] = [];
    diffNode(
      { event: 'envelope', base: baseDefs, head: headDefs, out: changes },
      '',
      base.envelope.schema,
      head.envelope.schema,
      [],
    );
    out.push(...changes.filter((c) => c.rule !== 'metadata-changed' || c.pointer !== ''));
  }
  return out.sort(byPosition);
}

/** Counts changes by verdict; `failed` when a breaking change is neither declared nor deprecated first. */
export function summarize(changes: readonly Change[]): CompatSummary {
  const breaking = changes.filter((c) => c.verdict === 'breaking');
  const declared = breaking.filter((c) => c.declaredIn !== undefined || c.deprecatedFirst);
  return {
    breaking: breaking.length,
    declared: declared.length,
    decision: changes.filter((c) => c.verdict === 'decision').length,
    compatible: changes.filter((c) => c.verdict === 'compatible').length,
    failed: declared.length < breaking.length,
  };
}

/**
 * One line per change: `<verdict> <event> <json-pointer> <reason>`.
 * @example
 * formatChange(change); // 'BREAKING incident.created /properties/data/properties/severity enum value "low" removed (via $defs/Severity)'
 */
export function formatChange(change: Change): string {
  let label: string = change.verdict === 'decision' ? 'DECISION' : change.verdict.toUpperCase();
  if (change.declaredIn !== undefined)
    label = `BREAKING (declared in x-changelog v${change.declaredIn})`;
  else if (change.deprecatedFirst) label = 'BREAKING (declared: deprecated before removal)';
  return `${label} ${change.event} ${change.pointer || '(root)'} ${change.reason}`;
}

/** The summary line the CLI prints after the changes. */
export function formatSummary(summary: CompatSummary): string {
  const undeclared = summary.breaking - summary.declared;
  return [
    `${summary.breaking} breaking (${summary.declared} declared, ${undeclared} undeclared)`,
    `${summary.decision} needing a decision`,
    `${summary.compatible} compatible`,
  ].join(', ');
}
