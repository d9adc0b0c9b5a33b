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
 * Checks that `value` is a valid CauseFlow event (envelope and payload) with the generated
 * validators. Never throws.
 * @example
 * const result = validateEvent(JSON.parse(body));
 * if (result.ok) publish(result.event); else respond(400, result.errors);
 */
export function validateEvent(value: unknown): ValidationResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return {
      ok: false,
      errors: [{ path: '', keyword: 'type', message: 'must be a JSON object (an event envelope)' }],
    };
  }
  const name = (value as { event?: unknown }).event;
  if (!isEventName(name)) {
    if (validateEnvelope(value)) {
      return {
        ok: false,
        errors: [
          {
            path: '/event',
            keyword: 'const',
            message: `unknown event "${String(name)}"; see the catalog for known names`,
          },
        ],
      };
    }
    const issues = toIssues(validateEnvelope.errors);
    if (typeof name === 'string' && !issues.some((i) => i.path === '/event')) {
      issues.unshift({ path: '/event', keyword: 'const', message: `unknown event "${name}"` });
    }
    return { ok: false, errors: issues };
  }
  const validator = eventValidators[name];
  if (validator(value)) return { ok: true, event: value as CauseFlowEvent };
  return { ok: false, errors: toIssues(validator.errors) };
}

/**
 * Narrows `value` to `CauseFlowEvent` or throws an `EventValidationError` listing every issue.
 * @example
 * assertEvent(payload); // payload is CauseFlowEvent from here on
 */
export function assertEvent(value: unknown): asserts value is CauseFlowEvent {
  const result = validateEvent(value);
  if (!result.ok) throw new EventValidationError(result.errors);
}
