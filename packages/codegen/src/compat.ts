/**
 * Schema compatibility check: compares two schema sets and classifies every change by what it
 * means for readers of events (SSE clients). Pure: the CLI (`pnpm schemas:compat`) loads the sets.
 *
 * Two kinds of reader exist at any moment, and the verdicts follow from them:
 * - `breaking`: a reader that upgrades can receive events its new types and validators reject or
 *   call impossible (events already in the log, producers not yet upgraded), or loses a field or
 *   an event it relied on. The new schema must accept everything the old one accepted.
 * - `decision`: a reader still on the previous version (our client validates with the generated
 *   validators of ITS version, `additionalProperties: false`) rejects or mishandles events that
 *   use the new freedom: an enum value added, an optional property added, a constraint loosened,
 *   a property made optional. Reported, never failed: the decision is the rollout order.
 * - `compatible`: no reader, old or new, notices (docs, examples, reordering, a new event, which
 *   readers skip until they know its name).
 */
import {
  type ChangelogEntry,
  changelog,
  eventConst,
  type JsonSchema,
  type SchemaFile,
  type SchemaSet,
  schemaVersion,
} from './model.js';

export { type ChangelogEntry, changelog, schemaVersion };

/** How a change affects readers; see the module comment. */
export type Verdict = 'breaking' | 'decision' | 'compatible';

/** The rule a change was classified by (stable identifiers, used by tests and `--json`). */
export type ChangeRule =
  | 'event-added'
  | 'event-removed'
  | 'event-renamed'
  | 'property-added-optional'
  | 'property-added-required'
  | 'property-removed'
  | 'property-renamed'
  | 'property-now-required'
  | 'property-now-optional'
  | 'type-narrowed'
  | 'type-widened'
  | 'enum-value-removed'
  | 'enum-value-added'
  | 'constraint-tightened'
  | 'constraint-loosened'
  | 'additional-properties-closed'
  | 'additional-properties-opened'
  | 'metadata-changed'
  | 'version-decreased'
  | 'unanalysed';

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

/** One entry of an event's `x-changelog`: shown by the docs, required for a declared break. */

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

function isObject(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

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

// ---------------------------------------------------------------------------------------------
// $ref resolution

const DEF_REF = /(?:^|\/)defs\.json#\/\$defs\/([^/]+)$|^#\/\$defs\/([^/]+)$/;
const METADATA = new Set([
  'title',
  'description',
  'examples',
  '$comment',
  'default',
  'deprecated',
  'readOnly',
  'writeOnly',
  '$schema',
  '$id',
  '$defs',
]);

type Defs = Readonly<Record<string, JsonSchema>>;

/** A schema node with its `$ref` into defs.json replaced by the def (siblings win), and the defs passed. */
function deref(node: JsonSchema, defs: Defs): { node: JsonSchema; via: string[] } {
  const via: string[] = [];
  let current = node;
  for (let depth = 0; depth < 32; depth++) {
    const ref = current.$ref;
    if (typeof ref !== 'string') break;
    const match = DEF_REF.exec(ref);
    const name = match?.[1] ?? match?.[2];
    const def = name === undefined ? undefined : defs[name];
    if (def === undefined || name === undefined) break;
    const { $ref: _ref, ...siblings } = current;
    current = { ...def, ...siblings };
    via.push(name);
  }
  return { node: current, via };
}

function defsOf(set: SchemaSet): Defs {
  const defs = set.defs.schema.$defs;
  return isObject(defs) ? (defs as Defs) : {};
}

/** The node with refs resolved and annotations dropped; `required`/`enum` sorted. For equality. */
function canonical(value: unknown, defs: Defs, depth = 0): unknown {
  if (Array.isArray(value)) return value.map((v) => canonical(v, defs, depth + 1));
  if (!isObject(value) || depth > 64) return value;
  const node = deref(value, defs).node;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(node).sort()) {
    if (METADATA.has(key) || key.startsWith('x-')) continue;
    const inner = node[key];
    if ((key === 'required' || key === 'enum') && Array.isArray(inner)) {
      out[key] = [...inner].map((v) => JSON.stringify(v)).sort();
    } else if (key === 'properties' && isObject(inner)) {
      out[key] = Object.fromEntries(
        Object.keys(inner)
          .sort()
          .map((k) => [k, canonical(inner[k], defs, depth + 1)]),
      );
    } else {
      out[key] = canonical(inner, defs, depth + 1);
    }
  }
  return out;
}

function sameShape(a: unknown, b: unknown, defsA: Defs, defsB: Defs): boolean {
  return JSON.stringify(canonical(a, defsA)) === JSON.stringify(canonical(b, defsB));
}

// ---------------------------------------------------------------------------------------------
// Node diff

interface Context {
  readonly event: string;
  readonly base: Defs;
  readonly head: Defs;
  readonly out: Change[];
}

const LOWER_BOUNDS = ['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties'];
const UPPER_BOUNDS = ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties'];
const HANDLED = new Set([
  ...LOWER_BOUNDS,
  ...UPPER_BOUNDS,
  'type',
  'enum',
  'const',
  'pattern',
  'format',
  'multipleOf',
  'uniqueItems',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'allOf',
  'anyOf',
  'oneOf',
  '$ref',
]);

function escapeSegment(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

function show(value: unknown): string {
  return JSON.stringify(value);
}

function types(node: JsonSchema): string[] | undefined {
  if (typeof node.type === 'string') return [node.type];
  if (Array.isArray(node.type)) return node.type.map(String);
  return undefined;
}

function covers(types: readonly string[], type: string): boolean {
  return types.includes(type) || (type === 'integer' && types.includes('number'));
}

function values(node: JsonSchema): unknown[] | undefined {
  if ('const' in node) return [node.const];
  return Array.isArray(node.enum) ? node.enum : undefined;
}

function diffNode(
  ctx: Context,
  pointer: string,
  rawBase: JsonSchema,
  rawHead: JsonSchema,
  inherited: readonly string[],
): void {
  const b = deref(rawBase, ctx.base);
  const h = deref(rawHead, ctx.head);
  const via = [...new Set([...inherited, ...b.via, ...h.via])];
  const suffix = via.length > 0 ? ` (via $defs/${via.join(', $defs/')})` : '';
  const add = (verdict: Verdict, rule: ChangeRule, reason: string, at = pointer) =>
    ctx.out.push({ verdict, event: ctx.event, pointer: at, rule, reason: `${reason}${suffix}` });
  const base = b.node;
  const head = h.node;

  if (pointer === '' && base.title !== head.title) {
    add('compatible', 'metadata-changed', 'title changed');
  }
  if (base.description !== head.description) {
    add('compatible', 'metadata-changed', 'description changed');
  }
  if (pointer === '') {
    if (show(base.examples) !== show(head.examples)) {
      add('compatible', 'metadata-changed', 'examples changed');
    }
    for (const key of ['x-domain', 'x-when-emitted']) {
      if (show(base[key]) !== show(head[key]))
        add('compatible', 'metadata-changed', `${key} changed`);
    }
    if (base.deprecated !== true && head.deprecated === true) {
      add('compatible', 'metadata-changed', 'deprecated: readers should migrate off this event');
    }
  }

  // type
  const bt = types(base);
  const ht = types(head);
  if (bt === undefined && ht !== undefined) {
    add('breaking', 'type-narrowed', `type restricted to ${ht.join('|')}`);
  } else if (bt !== undefined && ht === undefined) {
    add('decision', 'type-widened', `type constraint ${bt.join('|')} removed`);
  } else if (bt !== undefined && ht !== undefined) {
    const lost = bt.filter((t) => !covers(ht, t));
    const gained = ht.filter((t) => !covers(bt, t));
    if (lost.length === bt.length) {
      add('breaking', 'type-narrowed', `type changed from ${bt.join('|')} to ${ht.join('|')}`);
      return; // nothing below is comparable
    }
    if (lost.length > 0)
      add('breaking', 'type-narrowed', `type no longer accepts ${lost.join('|')}`);
    if (gained.length > 0)
      add('decision', 'type-widened', `type now also accepts ${gained.join('|')}`);
  }

  // enum / const
  const bv = values(base);
  const hv = values(head);
  if (bv === undefined && hv !== undefined) {
    add('breaking', 'constraint-tightened', `values restricted to ${hv.map(show).join(', ')}`);
  } else if (bv !== undefined && hv === undefined) {
    add(
      'decision',
      'constraint-loosened',
      `value list ${bv.map(show).join(', ')} removed (any value)`,
    );
  } else if (bv !== undefined && hv !== undefined) {
    const hs = new Set(hv.map(show));
    const bs = new Set(bv.map(show));
    for (const v of bv) {
      if (!hs.has(show(v))) add('breaking', 'enum-value-removed', `enum value ${show(v)} removed`);
    }
    for (const v of hv) {
      if (!bs.has(show(v))) {
        add(
          'decision',
          'enum-value-added',
          `enum value ${show(v)} added (exhaustive switches in readers)`,
        );
      }
    }
  }

  // numeric and length bounds
  const bound = (key: string, lower: boolean) => {
    const was = base[key];
    const now = head[key];
    if (was === now || (typeof was !== 'number' && typeof now !== 'number')) return;
    if (typeof was !== 'number') {
      add('breaking', 'constraint-tightened', `${key} ${show(now)} added`);
    } else if (typeof now !== 'number') {
      add('decision', 'constraint-loosened', `${key} ${was} removed`);
    } else if (lower ? now > was : now < was) {
      add(
        'breaking',
        'constraint-tightened',
        `${key} ${lower ? 'raised' : 'lowered'} from ${was} to ${now}`,
      );
    } else {
      add(
        'decision',
        'constraint-loosened',
        `${key} ${lower ? 'lowered' : 'raised'} from ${was} to ${now}`,
      );
    }
  };
  for (const key of LOWER_BOUNDS) bound(key, true);
  for (const key of UPPER_BOUNDS) bound(key, false);

  for (const key of ['pattern', 'format']) {
    const was = base[key];
    const now = head[key];
    if (was === now) continue;
    if (was === undefined) add('breaking', 'constraint-tightened', `${key} ${show(now)} added`);
    else if (now === undefined)
      add('decision', 'constraint-loosened', `${key} ${show(was)} removed`);
    else
      add('breaking', 'constraint-tightened', `${key} changed from ${show(was)} to ${show(now)}`);
  }
  if (base.multipleOf !== head.multipleOf) {
    const was = base.multipleOf;
    const now = head.multipleOf;
    if (typeof now === 'number' && (typeof was !== 'number' || was % now !== 0)) {
      add('breaking', 'constraint-tightened', `multipleOf changed from ${show(was)} to ${now}`);
    } else {
      add(
        'decision',
        'constraint-loosened',
        `multipleOf changed from ${show(was)} to ${show(now)}`,
      );
    }
  }
  if (base.uniqueItems !== true && head.uniqueItems === true) {
    add('breaking', 'constraint-tightened', 'uniqueItems added');
  } else if (base.uniqueItems === true && head.uniqueItems !== true) {
    add('decision', 'constraint-loosened', 'uniqueItems removed');
  }

  diffObject(ctx, pointer, base, head, via, add);

  // items and composition
  if (isObject(base.items) && isObject(head.items)) {
    diffNode(ctx, `${pointer}/items`, base.items, head.items, via);
  } else if (base.items === undefined && isObject(head.items)) {
    add('breaking', 'constraint-tightened', 'items schema added', `${pointer}/items`);
  } else if (isObject(base.items) && head.items === undefined) {
    add('decision', 'constraint-loosened', 'items schema removed', `${pointer}/items`);
  }
  for (const key of ['allOf', 'anyOf', 'oneOf']) {
    const was = base[key];
    const now = head[key];
    if (sameShape(was, now, ctx.base, ctx.head)) continue;
    if (Array.isArray(was) && Array.isArray(now) && was.length === now.length) {
      was.forEach((item, i) => {
        if (isObject(item) && isObject(now[i]))
          diffNode(ctx, `${pointer}/${key}/${i}`, item, now[i], via);
      });
    } else {
      add(
        'breaking',
        'unanalysed',
        `${key} changed; the check cannot prove it accepts every old value`,
      );
    }
  }

  // anything else that constrains values: conservative
  const others = new Set([...Object.keys(base), ...Object.keys(head)]);
  for (const key of [...others].sort()) {
    if (HANDLED.has(key) || METADATA.has(key) || key.startsWith('x-')) continue;
    if (!sameShape(base[key], head[key], ctx.base, ctx.head)) {
      add(
        'breaking',
        'unanalysed',
        `keyword "${key}" changed; the check cannot prove it compatible`,
      );
    }
  }
  if (typeof base.$ref === 'string' || typeof head.$ref === 'string') {
    if (base.$ref !== head.$ref) {
      add(
        'breaking',
        'unanalysed',
        `unresolved $ref changed from ${show(base.$ref)} to ${show(head.$ref)}`,
      );
    }
  }
}

function diffObject(
  ctx: Context,
  pointer: string,
  base: JsonSchema,
  head: JsonSchema,
  via: readonly string[],
  add: (verdict: Verdict, rule: ChangeRule, reason: string, at?: string) => void,
): void {
  const bp = isObject(base.properties) ? base.properties : {};
  const hp = isObject(head.properties) ? head.properties : {};
  const br = new Set(Array.isArray(base.required) ? base.required.map(String) : []);
  const hr = new Set(Array.isArray(head.required) ? head.required.map(String) : []);
  const baseClosed = base.additionalProperties === false;
  const headClosed = head.additionalProperties === false;
  const at = (name: string) => `${pointer}/properties/${escapeSegment(name)}`;

  const removed = Object.keys(bp).filter((k) => !(k in hp));
  const added = new Set(Object.keys(hp).filter((k) => !(k in bp)));
  for (const name of removed) {
    const renamed = [...added].find((n) => sameShape(bp[name], hp[n], ctx.base, ctx.head));
    if (renamed !== undefined) {
      added.delete(renamed);
      add('breaking', 'property-renamed', `property "${name}" renamed to "${renamed}"`, at(name));
      if (hr.has(renamed) && !br.has(name)) {
        add(
          'breaking',
          'property-now-required',
          `property "${renamed}" is required (was optional as "${name}")`,
          at(renamed),
        );
      }
    } else {
      add('breaking', 'property-removed', `property "${name}" removed`, at(name));
    }
  }
  for (const name of [...added].sort()) {
    if (hr.has(name)) {
      add(
        'breaking',
        'property-added-required',
        `required property "${name}" added (old events lack it)`,
        at(name),
      );
    } else if (baseClosed) {
      add(
        'decision',
        'property-added-optional',
        `optional property "${name}" added (readers on the previous version reject events that carry it: additionalProperties false)`,
        at(name),
      );
    } else {
      add('compatible', 'property-added-optional', `optional property "${name}" added`, at(name));
    }
  }
  for (const name of Object.keys(hp)) {
    if (!(name in bp)) continue;
    if (!br.has(name) && hr.has(name)) {
      add('breaking', 'property-now-required', `property "${name}" is now required`, at(name));
    } else if (br.has(name) && !hr.has(name)) {
      add(
        'decision',
        'property-now-optional',
        `property "${name}" is no longer required (readers on the previous version expect it)`,
        at(name),
      );
    }
    const was = bp[name];
    const now = hp[name];
    if (isObject(was) && isObject(now)) diffNode(ctx, at(name), was, now, via);
  }
  // `required` names without a property schema (rare, but legal)
  for (const name of hr) {
    if (!(name in hp) && !(name in bp) && !br.has(name)) {
      add('breaking', 'property-now-required', `property "${name}" is now required`, at(name));
    }
  }

  if (!baseClosed && headClosed) {
    add(
      'breaking',
      'additional-properties-closed',
      'additionalProperties closed (unknown properties now rejected)',
      `${pointer}/additionalProperties`,
    );
  } else if (baseClosed && !headClosed) {
    add(
      'decision',
      'additional-properties-opened',
      'additionalProperties opened (readers on the previous version reject unknown properties)',
      `${pointer}/additionalProperties`,
    );
  } else if (isObject(base.additionalProperties) && isObject(head.additionalProperties)) {
    diffNode(
      ctx,
      `${pointer}/additionalProperties`,
      base.additionalProperties,
      head.additionalProperties,
      via,
    );
  }
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
