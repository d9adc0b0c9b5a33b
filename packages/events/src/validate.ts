import { EVENT_NAMES } from './generated/catalog.js';
import type { CauseFlowEvent, EventName } from './generated/types.js';
import {
  eventValidators,
  type GeneratedValidationError,
  validateEnvelope,
} from './generated/validators.js';

/** One reason a payload is not a valid event: a JSON pointer into the payload and a message. */
export interface ValidationIssue {
  /** JSON pointer to the offending value, `""` for the payload itself (e.g. `/data/severity`). */
  readonly path: string;
  readonly message: string;
  /** The JSON Schema keyword that failed (`required`, `enum`, `additionalProperties`, …). */
  readonly keyword: string;
}

/** The result of `validateEvent`: the typed event, or every issue found. */
export type ValidationResult<E = CauseFlowEvent> =
  | { readonly ok: true; readonly event: E }
  | { readonly ok: false; readonly errors: readonly ValidationIssue[] };

/** Thrown by `assertEvent`; carries every issue. */
export class EventValidationError extends Error {
  constructor(
    readonly errors: readonly ValidationIssue[],
    options?: { cause?: unknown },
  ) {
    super(
      `invalid event: ${errors.map((e) => `${e.path || '(root)'} ${e.message}`).join('; ')}`,
      options,
    );
    this.name = 'EventValidationError';
  }
}

const names: ReadonlySet<string> = new Set(EVENT_NAMES);

/** True when `value` is the name of an event in the catalog. */
export function isEventName(value: unknown): value is EventName {
  return typeof value === 'string' && names.has(value);
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Turns ajv's errors into issues whose path points at the property concerned. */
function toIssues(
  errors: readonly GeneratedValidationError[] | null | undefined,
): ValidationIssue[] {
  return (errors ?? []).map((error) => {
    const params = error.params;
    if (error.keyword === 'required') {
      const missing = String(params.missingProperty);
      return {
        path: `${error.instancePath}/${escapePointer(missing)}`,
        keyword: 'required',
        message: 'is required',
      };
    }
    if (error.keyword === 'additionalProperties') {
      const extra = String(params.additionalProperty);
      return {
        path: `${error.instancePath}/${escapePointer(extra)}`,
        keyword: 'additionalProperties',
        message: 'is not allowed (unknown property)',
      };
    }
    if (error.keyword === 'enum' && Array.isArray(params.allowedValues)) {
      return {
        path: error.instancePath,
        keyword: 'enum',
        message: `must be one of ${params.allowedValues.map((v) => JSON.stringify(v)).join(', ')}`,
      };
    }
    return {
      path: error.instancePath,
      keyword: error.keyword,
      message: error.message ?? 'is invalid',
    };
  });
}

/**
 * How `validateEvent` treats properties its schemas do not know:
 * - `strict` (the default; producers, ingest, the bus): an unknown property is an error.
 * - `tolerant` (consumers): unknown properties are accepted and KEPT on the event as received,
 *   untyped, so a reader built against an older schema still receives events that carry fields
 *   added since. Wrong types, missing required fields and bad enum values are still errors.
 */
export type ValidationMode = 'strict' | 'tolerant';

/** Options of `validateEvent`. */
export interface ValidateOptions {
  /** `strict` (default) rejects unknown properties; `tolerant` accepts and keeps them. */
  readonly mode?: ValidationMode;
}

const UNKNOWN_EVENT = (name: unknown): ValidationIssue => ({
  path: '/event',
  keyword: 'const',
  message: `unknown event "${String(name)}"; see the catalog for known names`,
});

/** True when every error is an unknown property (what `tolerant` mode lets through). */
function onlyUnknownProperties(errors: readonly GeneratedValidationError[] | null | undefined) {
  return (errors ?? []).every((e) => e.keyword === 'additionalProperties');
}

/**
 * Checks that `value` is a valid CauseFlow event (envelope and payload) with the generated
 * validators. Never throws. Tolerant mode runs the same (strict) validator and accepts a result
 * whose only errors are unknown properties: codegen's lint keeps closed objects out of
 * `anyOf`/`oneOf`/`not`/`if`, so an unknown property can surface only as `additionalProperties`.
 * @example
 * const result = validateEvent(JSON.parse(body)); // ingest: strict
 * if (result.ok) publish(result.event); else respond(400, result.errors);
 * validateEvent(received, { mode: 'tolerant' }); // a consumer: newer optional fields are fine
 */
export function validateEvent(value: unknown, options?: ValidateOptions): ValidationResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return {
      ok: false,
      errors: [{ path: '', keyword: 'type', message: 'must be a JSON object (an event envelope)' }],
    };
  }
  const tolerant = options?.mode === 'tolerant';
  const name = (value as { event?: unknown }).event;
  if (!isEventName(name)) {
    if (validateEnvelope(value) || (tolerant && onlyUnknownProperties(validateEnvelope.errors))) {
      return { ok: false, errors: [UNKNOWN_EVENT(name)] };
    }
    const issues = toIssues(validateEnvelope.errors);
    if (typeof name === 'string' && !issues.some((i) => i.path === '/event')) {
      issues.unshift({ path: '/event', keyword: 'const', message: `unknown event "${name}"` });
    }
    return { ok: false, errors: issues };
  }
  const validator = eventValidators[name];
  if (validator(value)) return { ok: true, event: value as CauseFlowEvent };
  const errors = validator.errors;
  if (tolerant && onlyUnknownProperties(errors))
    return { ok: true, event: value as CauseFlowEvent };
  const issues = toIssues(errors);
  return {
    ok: false,
    errors: tolerant ? issues.filter((i) => i.keyword !== 'additionalProperties') : issues,
  };
}

/**
 * Narrows `value` to `CauseFlowEvent` or throws an `EventValidationError` listing every issue.
 * @example
 * assertEvent(payload); // payload is CauseFlowEvent from here on
 */
export function assertEvent(
  value: unknown,
  options?: ValidateOptions,
): asserts value is CauseFlowEvent {
  const result = validateEvent(value, options);
  if (!result.ok) throw new EventValidationError(result.errors);
}
