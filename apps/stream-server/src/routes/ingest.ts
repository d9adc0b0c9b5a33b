import {
  type BatchIssuesOmitted,
  BatchValidationError,
  BusUnavailableError,
  MAX_BATCH_ISSUES,
  type StoredEvent,
} from '@causeflow/bus';
import type { Middleware } from 'koa';
import { hasMoreElementsThan } from '../batchScan.js';
import { readBody } from '../body.js';
import { StreamServerError } from '../errors.js';
import type { AuthPrincipal, AuthState } from '../middleware/auth.js';
import type { Services } from '../services.js';

/** The 202 body of `POST /v1/events`. */
export interface IngestResponse {
  readonly accepted: number;
  readonly ids: readonly string[];
}

/** An ingest 400's details: at most `MAX_BATCH_ISSUES`, each `{index, path, message}`. */
interface IssueDetail {
  readonly index: number;
  readonly path: string;
  readonly message: string;
}

function isIssue(value: unknown): value is IssueDetail {
  const issue = value as Partial<IssueDetail> | null;
  return (
    typeof issue === 'object' &&
    issue !== null &&
    Number.isInteger(issue.index) &&
    typeof issue.path === 'string' &&
    typeof issue.message === 'string'
  );
}

/**
 * The issues of a `BatchValidationError`, or `undefined` for any other error. `instanceof` first;
 * an error of that name from another copy of `@causeflow/bus` (a second build in the module
 * graph) is accepted only when its shape is right, never read blindly.
 */
function validationRefusal(
  error: unknown,
): { issues: IssueDetail[]; omitted: BatchIssuesOmitted } | undefined {
  const candidate = error as Partial<BatchValidationError> | null;
  if (!(error instanceof BatchValidationError) && candidate?.name !== 'BatchValidationError') {
    return undefined;
  }
  const { issues, omitted } = candidate as { issues?: unknown; omitted?: unknown };
  if (!Array.isArray(issues) || !issues.every(isIssue)) return undefined;
  const counts = omitted as Partial<BatchIssuesOmitted> | undefined;
  const listed = issues.slice(0, MAX_BATCH_ISSUES);
  return {
    issues: listed.map(({ index, path, message }) => ({ index, path, message })),
    omitted: {
      issues:
        (Number.isInteger(counts?.issues) ? counts!.issues! : 0) + issues.length - listed.length,
      uncheckedEvents: Number.isInteger(counts?.uncheckedEvents) ? counts!.uncheckedEvents! : 0,
    },
  };
}

function isUnavailable(error: unknown): boolean {
  const name = (error as Error | null)?.name;
  return (
    error instanceof BusUnavailableError ||
    name === 'BusUnavailableError' ||
    name === 'PartialAppendError'
  );
}

/** 400 `invalid_event`: the listed issues, plus `omitted` counts when the list was capped. */
function invalidEvents(
  refusal: { issues: IssueDetail[]; omitted: BatchIssuesOmitted },
  cause: unknown,
): StreamServerError {
  const { issues, omitted } = refusal;
  const capped = omitted.issues > 0 || omitted.uncheckedEvents > 0;
  const message = capped
    ? `${issues.length} validation issue(s) listed, ${omitted.issues} more not listed, ` +
      `${omitted.uncheckedEvents} event(s) not checked; nothing was published`
    : `${issues.length} validation issue(s); nothing was published`;
  return new StreamServerError(400, 'invalid_event', message, {
    details: issues,
    ...(capped && { omitted: { ...omitted } }),
    cause,
  });
}

function batchTooLarge(described: string, maxBatchEvents: number): StreamServerError {
  return new StreamServerError(
    413,
    'batch_too_large',
    `the batch has ${described} events; at most ${maxBatchEvents} per request (MAX_BATCH_EVENTS)`,
  );
}

/**
 * Parses the JSON body into a non-empty batch of at most `maxBatchEvents` (400/413 otherwise).
 * An array over the limit is refused before it is parsed (see `batchScan.ts`).
 */
function parseBatch(raw: Buffer, maxBatchEvents: number): readonly unknown[] {
  const text = raw.toString('utf8');
  if (hasMoreElementsThan(text, maxBatchEvents)) {
    throw batchTooLarge(`more than ${maxBatchEvents}`, maxBatchEvents);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new StreamServerError(400, 'invalid_json', 'the body is not valid JSON', {
      cause: error,
    });
  }
  const events: readonly unknown[] = Array.isArray(body) ? body : [body];
  if (events.length === 0) {
    throw new StreamServerError(
      400,
      'empty_batch',
      'the body is an empty array; send at least one event',
    );
  }
  if (events.length > maxBatchEvents) throw batchTooLarge(String(events.length), maxBatchEvents);
  return events;
}

/** 403 `tenant_mismatch` when a tenant token publishes for another tenant (details capped). */
function checkTenants(events: readonly unknown[], tenantId: string): void {
  const foreign: IssueDetail[] = [];
  let more = 0;
  events.forEach((event, index) => {
    const claimed = (event as { tenantId?: unknown } | null)?.tenantId;
    if (typeof claimed !== 'string' || claimed === tenantId) return;
    if (foreign.length === MAX_BATCH_ISSUES) more += 1;
    else
      foreign.push({
        index,
        path: '/tenantId',
        message: `the token may publish only for ${tenantId}`,
      });
  });
  if (foreign.length === 0) return;
  throw new StreamServerError(
    403,
    'tenant_mismatch',
    'the token may not publish for another tenant',
    {
      details: foreign,
      ...(more > 0 && { omitted: { issues: more, uncheckedEvents: 0 } }),
    },
  );
}

/**
 * `POST /v1/events` (after `requireAuth` with scope `events:publish`, tenant optional): validated
 * ingest. A token with a tenant may publish only for it. Body: one envelope or an array; all or nothing.
 * @example
 * { method: 'POST', path: '/v1/events', handler: [requireAuth(services, { scope: PUBLISH_SCOPE, tenant: 'optional' }), ingestRoute(services)] }
 */
export function ingestRoute(services: Services): Middleware<AuthState<AuthPrincipal>> {
  const { config, log, metrics, logger } = services;
  return async function ingest(ctx) {
    const { principal } = ctx.state;
    // Media types are case-insensitive (RFC 9110 §8.3.1); koa's `request.type` keeps the case sent.
    if (ctx.request.type.toLowerCase() !== 'application/json') {
      throw new StreamServerError(
        415,
        'unsupported_media_type',
        'Content-Type must be application/json',
      );
    }
    const raw = await readBody(ctx.req, config.maxBodyBytes);
    const events = parseBatch(raw, config.maxBatchEvents);
    if (principal.tenantId !== null) checkTenants(events, principal.tenantId);
    let stored: StoredEvent[];
    try {
      stored = await log.append(events);
    } catch (error) {
      const refusal = validationRefusal(error);
      if (refusal !== undefined) throw invalidEvents(refusal, error);
      if (isUnavailable(error)) {
        throw new StreamServerError(
          503,
          'bus_unavailable',
          'the event log is unavailable; nothing was published',
          { headers: { 'Retry-After': '1' }, cause: error },
        );
      }
      throw error;
    }
    for (const { event } of stored) metrics.eventsIngested.inc({ event: event.event });
    logger.debug({ count: stored.length, sub: principal.sub }, 'events ingested');
    const response: IngestResponse = {
      accepted: stored.length,
      ids: stored.map((s) => s.event.id),
    };
    ctx.status = 202;
    ctx.body = response;
  };
}
