import { BatchValidationError, BusUnavailableError, type StoredEvent } from '@causeflow/bus';
import type { Middleware } from 'koa';
import { readBody } from '../body.js';
import { StreamServerError } from '../errors.js';
import type { AuthPrincipal, AuthState } from '../middleware/auth.js';
import type { Services } from '../services.js';

/** The 202 body of `POST /v1/events`. */
export interface IngestResponse {
  readonly accepted: number;
  readonly ids: readonly string[];
}

function isError(error: unknown, type: { name: string; prototype: Error }): boolean {
  return (
    error instanceof (type as unknown as typeof Error) ||
    (error as Error | null)?.name === type.name
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
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
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
    if (principal.tenantId !== null) {
      const foreign = events.flatMap((event, index) => {
        const tenantId = (event as { tenantId?: unknown } | null)?.tenantId;
        return typeof tenantId === 'string' && tenantId !== principal.tenantId
          ? [
              {
                index,
                path: '/tenantId',
                message: `the token may publish only for ${principal.tenantId}`,
              },
            ]
          : [];
      });
      if (foreign.length > 0) {
        throw new StreamServerError(
          403,
          'tenant_mismatch',
          'the token may not publish for another tenant',
          {
            details: foreign,
          },
        );
      }
    }
    let stored: StoredEvent[];
    try {
      stored = await log.append(events);
    } catch (error) {
      if (isError(error, BatchValidationError)) {
        const issues = (error as BatchValidationError).issues;
        throw new StreamServerError(
          400,
          'invalid_event',
          `${issues.length} validation issue(s); nothing was published`,
          {
            details: issues.map(({ index, path, message }) => ({ index, path, message })),
            cause: error,
          },
        );
      }
      if (isError(error, BusUnavailableError)) {
        throw new StreamServerError(
          503,
          'bus_unavailable',
          'the event log is unavailable; nothing was published',
          {
            headers: { 'Retry-After': '1' },
            cause: error,
          },
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
