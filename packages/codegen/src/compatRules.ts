/**
 * The node diff of the compatibility check, as a table of per-keyword rules. Each rule compares
 * one family of keywords of two schema nodes (before and after) and reports what it finds; see
 * compat.ts for what the verdicts mean. Rules run in table order, which is also the order of
 * changes reported at one pointer.
 */
import { isAnnotation } from './annotations.js';
import type { JsonSchema } from './model.js';

/** How a change affects readers; see compat.ts. */
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

/** `$defs` of defs.json by name. */
export type Defs = Readonly<Record<string, JsonSchema>>;

/** Reports one change; `at` defaults to the pointer of the node being compared. */
export type Add = (verdict: Verdict, rule: ChangeRule, reason: string, at?: string) => void;

/** What a rule gets: both nodes (refs resolved), where they are, and how to report and recurse. */
export interface RuleInput {
  readonly base: JsonSchema;
  readonly head: JsonSchema;
  readonly pointer: string;
  readonly defs: { readonly base: Defs; readonly head: Defs };
  readonly add: Add;
  /** Compares two subschemas with every rule (refs resolved, `via` carried along). */
  readonly recurse: (pointer: string, base: JsonSchema, head: JsonSchema) => void;
}

/** One row of the table: a family of keywords and how changes to them are classified. */
export interface KeywordRule {
  readonly name: string;
  /** The keywords this rule accounts for (the `unknown` rule treats every other one). */
  readonly keywords: readonly string[];
  /** Returns `'stop'` when nothing after it is comparable (the type changed entirely). */
  readonly diff: (input: RuleInput) => 'stop' | undefined;
}

/** Keywords that identify a schema rather than constrain values: never a change for readers. */
const IDENTITY = new Set(['$schema', '$id', '$defs']);

/** True for keywords no reader can notice: annotations (title, `x-…`, …) and identity. */
export function isMetadata(key: string): boolean {
  return isAnnotation(key) || IDENTITY.has(key);
}

/** True when `value` is a plain object (a schema node). */
export function isObject(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const DEF_REF = /(?:^|\/)defs\.json#\/\$defs\/([^/]+)$|^#\/\$defs\/([^/]+)$/;

/** A schema node with its `$ref` into defs.json replaced by the def (siblings win), and the defs passed. */
export function deref(node: JsonSchema, defs: Defs): { node: JsonSchema; via: string[] } {
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

/** The node with refs resolved and metadata dropped; `required`/`enum` sorted. For equality. */
function canonical(value: unknown, defs: Defs, depth = 0): unknown {
  if (Array.isArray(value)) return value.map((v) => canonical(v, defs, depth + 1));
  if (!isObject(value) || depth > 64) return value;
  const node = deref(value, defs).node;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(node).sort()) {
    if (isMetadata(key)) continue;
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

/** True when two nodes validate alike (refs resolved, metadata and order ignored). */
export function sameShape(a: unknown, b: unknown, defsA: Defs, defsB: Defs): boolean {
  return JSON.stringify(canonical(a, defsA)) === JSON.stringify(canonical(b, defsB));
}

function show(value: unknown): string {
  return JSON.stringify(value);
}

function escapeSegment(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

// ---------------------------------------------------------------------------------------------
// The rules

/** Root-level documentation (title, examples, x-domain, …) and descriptions anywhere. */
export function diffMetadata({ base, head, pointer, add }: RuleInput): undefined {
  if (pointer === '' && base.title !== head.title) {
    add('compatible', 'metadata-changed', 'title changed');
  }
  if (base.description !== head.description) {
    add('compatible', 'metadata-changed', 'description changed');
  }
  if (pointer !== '') return;
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

function typesOf(node: JsonSchema): string[] | undefined {
  if (typeof node.type === 'string') return [node.type];
  if (Array.isArray(node.type)) return node.type.map(String);
  return undefined;
}

function covers(types: readonly string[], type: string): boolean {
  return types.includes(type) || (type === 'integer' && types.includes('number'));
}

/** `type`: a type no longer accepted is breaking; a type added needs a decision. */
export function diffTypes({ base, head, add }: RuleInput): 'stop' | undefined {
  const bt = typesOf(base);
  const ht = typesOf(head);
  if (bt === undefined && ht !== undefined) {
    add('breaking', 'type-narrowed', `type restricted to ${ht.join('|')}`);
  } else if (bt !== undefined && ht === undefined) {
    add('decision', 'type-widened', `type constraint ${bt.join('|')} removed`);
  } else if (bt !== undefined && ht !== undefined) {
    const lost = bt.filter((t) => !covers(ht, t));
    const gained = ht.filter((t) => !covers(bt, t));
    if (lost.length === bt.length) {
      add('breaking', 'type-narrowed', `type changed from ${bt.join('|')} to ${ht.join('|')}`);
      return 'stop'; // nothing below is comparable
    }
    if (lost.length > 0)
      add('breaking', 'type-narrowed', `type no longer accepts ${lost.join('|')}`);
    if (gained.length > 0)
      add('decision', 'type-widened', `type now also accepts ${gained.join('|')}`);
  }
  return undefined;
}

function valuesOf(node: JsonSchema): unknown[] | undefined {
  if ('const' in node) return [node.const];
  return Array.isArray(node.enum) ? node.enum : undefined;
}

/** `enum`/`const`: a value removed is breaking; a value added needs a decision. */
export function diffValues({ base, head, add }: RuleInput): undefined {
  const bv = valuesOf(base);
  const hv = valuesOf(head);
  if (bv === undefined && hv !== undefined) {
    add('breaking', 'constraint-tightened', `values restricted to ${hv.map(show).join(', ')}`);
  } else if (bv !== undefined && hv === undefined) {
    const was = bv.map(show).join(', ');
    add('decision', 'constraint-loosened', `value list ${was} removed (any value)`);
  } else if (bv !== undefined && hv !== undefined) {
    const hs = new Set(hv.map(show));
    const bs = new Set(bv.map(show));
    for (const v of bv) {
      if (!hs.has(show(v))) add('breaking', 'enum-value-removed', `enum value ${show(v)} removed`);
    }
    for (const v of hv) {
      if (bs.has(show(v))) continue;
      const reason = `enum value ${show(v)} added (exhaustive switches in readers)`;
      add('decision', 'enum-value-added', reason);
    }
  }
  return undefined;
}

const LOWER_BOUNDS = ['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties'];
const UPPER_BOUNDS = ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties'];

function diffBound(input: RuleInput, key: string, lower: boolean): void {
  const { add } = input;
  const was = input.base[key];
  const now = input.head[key];
  if (was === now || (typeof was !== 'number' && typeof now !== 'number')) return;
  if (typeof was !== 'number') {
    add('breaking', 'constraint-tightened', `${key} ${show(now)} added`);
  } else if (typeof now !== 'number') {
    add('decision', 'constraint-loosened', `${key} ${was} removed`);
  } else if (lower ? now > was : now < was) {
    const how = lower ? 'raised' : 'lowered';
    add('breaking', 'constraint-tightened', `${key} ${how} from ${was} to ${now}`);
  } else {
    const how = lower ? 'lowered' : 'raised';
    add('decision', 'constraint-loosened', `${key} ${how} from ${was} to ${now}`);
  }
}

/** Numeric, length and count bounds: tightened is breaking, loosened needs a decision. */
export function diffBounds(input: RuleInput): undefined {
  for (const key of LOWER_BOUNDS) diffBound(input, key, true);
  for (const key of UPPER_BOUNDS) diffBound(input, key, false);
  return undefined;
}

/** `pattern`/`format`: added or changed is breaking (unprovable), removed needs a decision. */
export function diffPatternFormat({ base, head, add }: RuleInput): undefined {
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
  return undefined;
}

/** `multipleOf` and `uniqueItems`: the other value constraints with an order. */
export function diffMultipleUnique({ base, head, add }: RuleInput): undefined {
  if (base.multipleOf !== head.multipleOf) {
    const was = base.multipleOf;
    const now = head.multipleOf;
    const reason = `multipleOf changed from ${show(was)} to ${show(now)}`;
    if (typeof now === 'number' && (typeof was !== 'number' || was % now !== 0)) {
      add('breaking', 'constraint-tightened', reason);
    } else {
      add('decision', 'constraint-loosened', reason);
    }
  }
  if (base.uniqueItems !== true && head.uniqueItems === true) {
    add('breaking', 'constraint-tightened', 'uniqueItems added');
  } else if (base.uniqueItems === true && head.uniqueItems !== true) {
    add('decision', 'constraint-loosened', 'uniqueItems removed');
  }
  return undefined;
}

interface ObjectSides {
  readonly bp: JsonSchema;
  readonly hp: JsonSchema;
  readonly br: ReadonlySet<string>;
  readonly hr: ReadonlySet<string>;
  readonly at: (name: string) => string;
}

function objectSides({ base, head, pointer }: RuleInput): ObjectSides {
  return {
    bp: isObject(base.properties) ? base.properties : {},
    hp: isObject(head.properties) ? head.properties : {},
    br: new Set(Array.isArray(base.required) ? base.required.map(String) : []),
    hr: new Set(Array.isArray(head.required) ? head.required.map(String) : []),
    at: (name) => `${pointer}/properties/${escapeSegment(name)}`,
  };
}

/** Properties removed (or renamed: same shape under a new name); returns the ones truly added. */
function removedProperties(input: RuleInput, sides: ObjectSides): string[] {
  const { add, defs } = input;
  const { bp, hp, br, hr, at } = sides;
  const added = new Set(Object.keys(hp).filter((k) => !(k in bp)));
  for (const name of Object.keys(bp).filter((k) => !(k in hp))) {
    const renamed = [...added].find((n) => sameShape(bp[name], hp[n], defs.base, defs.head));
    if (renamed === undefined) {
      add('breaking', 'property-removed', `property "${name}" removed`, at(name));
      continue;
    }
    added.delete(renamed);
    add('breaking', 'property-renamed', `property "${name}" renamed to "${renamed}"`, at(name));
    if (hr.has(renamed) && !br.has(name)) {
      const reason = `property "${renamed}" is required (was optional as "${name}")`;
      add('breaking', 'property-now-required', reason, at(renamed));
    }
  }
  return [...added].sort();
}

/**
 * `properties`/`required`: removing, renaming or requiring a property is breaking. Adding an
 * optional one is compatible: readers validate tolerantly (unknown properties accepted).
 */
export function diffProperties(input: RuleInput): undefined {
  const { add, recurse } = input;
  const sides = objectSides(input);
  const { bp, hp, br, hr, at } = sides;
  for (const name of removedProperties(input, sides)) {
    if (hr.has(name)) {
      const reason = `required property "${name}" added (old events lack it)`;
      add('breaking', 'property-added-required', reason, at(name));
    } else {
      add('compatible', 'property-added-optional', `optional property "${name}" added`, at(name));
    }
  }
  for (const name of Object.keys(hp)) {
    if (!(name in bp)) continue;
    if (!br.has(name) && hr.has(name)) {
      add('breaking', 'property-now-required', `property "${name}" is now required`, at(name));
    } else if (br.has(name) && !hr.has(name)) {
      const reason = `property "${name}" is no longer required (readers on the previous version expect it)`;
      add('decision', 'property-now-optional', reason, at(name));
    }
    const was = bp[name];
    const now = hp[name];
    if (isObject(was) && isObject(now)) recurse(at(name), was, now);
  }
  // `required` names without a property schema (rare, but legal)
  for (const name of hr) {
    if (!(name in hp) && !(name in bp) && !br.has(name)) {
      add('breaking', 'property-now-required', `property "${name}" is now required`, at(name));
    }
  }
  return undefined;
}

/**
 * `additionalProperties`: closing is breaking (old events may carry more); opening is compatible,
 * because readers accept unknown properties.
 */
export function diffAdditional({ base, head, pointer, add, recurse }: RuleInput): undefined {
  const baseClosed = base.additionalProperties === false;
  const headClosed = head.additionalProperties === false;
  const at = `${pointer}/additionalProperties`;
  if (!baseClosed && headClosed) {
    const reason = 'additionalProperties closed (unknown properties now rejected)';
    add('breaking', 'additional-properties-closed', reason, at);
  } else if (baseClosed && !headClosed) {
    const reason = 'additionalProperties opened (readers accept unknown properties)';
    add('compatible', 'additional-properties-opened', reason, at);
  } else if (isObject(base.additionalProperties) && isObject(head.additionalProperties)) {
    recurse(at, base.additionalProperties, head.additionalProperties);
  }
  return undefined;
}

/** `items`: compared element schema to element schema. */
export function diffItems({ base, head, pointer, add, recurse }: RuleInput): undefined {
  const at = `${pointer}/items`;
  if (isObject(base.items) && isObject(head.items)) {
    recurse(at, base.items, head.items);
  } else if (base.items === undefined && isObject(head.items)) {
    add('breaking', 'constraint-tightened', 'items schema added', at);
  } else if (isObject(base.items) && head.items === undefined) {
    add('decision', 'constraint-loosened', 'items schema removed', at);
  }
  return undefined;
}

/** `allOf`/`anyOf`/`oneOf`: branch by branch when the count is unchanged, else unprovable. */
export function diffComposition({ base, head, pointer, defs, add, recurse }: RuleInput): undefined {
  for (const key of ['allOf', 'anyOf', 'oneOf']) {
    const was = base[key];
    const now = head[key];
    if (sameShape(was, now, defs.base, defs.head)) continue;
    if (Array.isArray(was) && Array.isArray(now) && was.length === now.length) {
      was.forEach((item, i) => {
        if (isObject(item) && isObject(now[i])) recurse(`${pointer}/${key}/${i}`, item, now[i]);
      });
    } else {
      const reason = `${key} changed; the check cannot prove it accepts every old value`;
      add('breaking', 'unanalysed', reason);
    }
  }
  return undefined;
}

/** The rules in the order they run. */
const KNOWN_RULES: readonly KeywordRule[] = [
  { name: 'metadata', keywords: [], diff: diffMetadata },
  { name: 'types', keywords: ['type'], diff: diffTypes },
  { name: 'values', keywords: ['enum', 'const'], diff: diffValues },
  { name: 'bounds', keywords: [...LOWER_BOUNDS, ...UPPER_BOUNDS], diff: diffBounds },
  { name: 'pattern-format', keywords: ['pattern', 'format'], diff: diffPatternFormat },
  { name: 'multiple-unique', keywords: ['multipleOf', 'uniqueItems'], diff: diffMultipleUnique },
  { name: 'properties', keywords: ['properties', 'required'], diff: diffProperties },
  { name: 'additional', keywords: ['additionalProperties'], diff: diffAdditional },
  { name: 'items', keywords: ['items'], diff: diffItems },
  { name: 'composition', keywords: ['allOf', 'anyOf', 'oneOf'], diff: diffComposition },
];

const HANDLED = new Set(['$ref', ...KNOWN_RULES.flatMap((r) => r.keywords)]);

/** Any other keyword that constrains values: breaking when it changes at all (conservative). */
export function diffUnknown({ base, head, defs, add }: RuleInput): undefined {
  const keys = new Set([...Object.keys(base), ...Object.keys(head)]);
  for (const key of [...keys].sort()) {
    if (HANDLED.has(key) || isMetadata(key)) continue;
    if (!sameShape(base[key], head[key], defs.base, defs.head)) {
      add(
        'breaking',
        'unanalysed',
        `keyword "${key}" changed; the check cannot prove it compatible`,
      );
    }
  }
  if (typeof base.$ref === 'string' || typeof head.$ref === 'string') {
    if (base.$ref !== head.$ref) {
      const reason = `unresolved $ref changed from ${show(base.$ref)} to ${show(head.$ref)}`;
      add('breaking', 'unanalysed', reason);
    }
  }
  return undefined;
}

/** Every rule, in the order they run; `unknown` last, for every keyword the others leave. */
export const KEYWORD_RULES: readonly KeywordRule[] = [
  ...KNOWN_RULES,
  { name: 'unknown', keywords: [], diff: diffUnknown },
];

/** Where a node diff reports to, and the defs each side's `$ref`s resolve against. */
export interface DiffContext {
  readonly event: string;
  readonly base: Defs;
  readonly head: Defs;
  readonly out: { push(change: ChangeAt): unknown };
}

/** A change as the node diff reports it (compat.ts adds declarations). */
export interface ChangeAt {
  readonly verdict: Verdict;
  readonly event: string;
  readonly pointer: string;
  readonly rule: ChangeRule;
  readonly reason: string;
}

/**
 * Compares two schema nodes with every rule of `KEYWORD_RULES`, `$ref`s into defs.json resolved;
 * a change that came through a def names it in its reason (`via $defs/Severity`).
 */
export function diffNode(
  ctx: DiffContext,
  pointer: string,
  rawBase: JsonSchema,
  rawHead: JsonSchema,
  inherited: readonly string[] = [],
): void {
  const b = deref(rawBase, ctx.base);
  const h = deref(rawHead, ctx.head);
  const via = [...new Set([...inherited, ...b.via, ...h.via])];
  const suffix = via.length > 0 ? ` (via $defs/${via.join(', $defs/')})` : '';
  const input: RuleInput = {
    base: b.node,
    head: h.node,
    pointer,
    defs: { base: ctx.base, head: ctx.head },
    add: (verdict, rule, reason, at = pointer) =>
      ctx.out.push({ verdict, event: ctx.event, pointer: at, rule, reason: `${reason}${suffix}` }),
    recurse: (at, base, head) => diffNode(ctx, at, base, head, via),
  };
  for (const rule of KEYWORD_RULES) {
    if (rule.diff(input) === 'stop') return;
  }
}
