import type { EventLog, StoredEvent } from '@causeflow/bus';
import {
  CONTROL_EVENTS,
  ID_PATTERNS,
  parseEventFilter,
  type StreamResetData,
  type StreamResetReason,
} from '@causeflow/events';
import type { Context, Middleware } from 'koa';
import { bearerToken, requireTenant } from '../auth.js';
import {
  type EventPredicate,
  StreamConnection,
  type StreamConnectionShared,
} from '../connection.js';
import { StreamServerError, unauthorized } from '../errors.js';
import { eventFrame } from '../hub.js';
import type { Services } from '../services.js';
import { formatFrame } from '../sse.js';

/** Response headers of every stream. Never compressed: no compression middleware runs. */
export const STREAM_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache',
  Connection: 'keep-alive',
  'X-Accel-Buffering': 'no',
};

const INCIDENT_ID_PATTERN = ID_PATTERNS.IncidentId;
const MAX_CURSOR_LENGTH = 512;

function queryValue(ctx: Context, name: string): string | undefined {
  const value = ctx.query[name];
  if (Array.isArray(value)) return value.join(',');
  return value;
}

/**
 * Builds the predicate for `events=` and `incidentId=` (`undefined` when neither is given, so the
 * hub writes without matching); throws 400 on unknown names.
 */
function parseFilters(ctx: Context): EventPredicate | undefined {
  const events = queryValue(ctx, 'events');
  let names: ((name: string) => boolean) | undefined;
  if (events !== undefined && events.trim() !== '') {
    const parsed = parseEventFilter(events);
    if (!parsed.ok) {
      throw new StreamServerError(
        400,
        'unknown_event',
        `unknown event name(s) in events=: ${parsed.unknown.join(', ')}`,
        {
          details: parsed.unknown.map((pattern) => ({
            pattern,
            message: 'matches no event in the catalog',
          })),
        },
      );
    }
    names = parsed.filter.matches;
  }
  const incidentId = queryValue(ctx, 'incidentId');
  if (incidentId !== undefined && !INCIDENT_ID_PATTERN.test(incidentId)) {
    throw new StreamServerError(
      400,
      'invalid_incident_id',
      'incidentId= must be an incident id like inc_…',
    );
  }
  if (names === undefined && incidentId === undefined) return undefined;
  if (incidentId === undefined) return (stored: StoredEvent) => names!(stored.event.event);
  return (stored: StoredEvent) => {
    if (names !== undefined && !names(stored.event.event)) return false;
    const data = stored.event.data as { incidentId?: unknown };
    return data.incidentId === incidentId;
  };
}

/** `Last-Event-ID` header, else `lastEventId=`; `undefined` when neither is set. */
function lastEventIdOf(ctx: Context): string | undefined {
  const value = ctx.get('Last-Event-ID') || queryValue(ctx, 'lastEventId') || '';
  if (value === '') return undefined;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (value.length > MAX_CURSOR_LENGTH || /[\u0000-\u001f]/.test(value)) {
    throw new StreamServerError(
      400,
      'invalid_last_event_id',
      'Last-Event-ID is not a cursor this server issued',
    );
  }
  return value;
}

/** Authenticates a stream request: `Authorization: Bearer`, else a single-use `ticket=`. */
async function authenticate(
  ctx: Context,
  services: Services,
): Promise<{ tenantId: string; expiresAtMs: number }> {
  const ticket = queryValue(ctx, 'ticket');
  if (ctx.get('Authorization') === '' && ticket !== undefined) {
    const grant = services.tickets.redeem(ticket);
    if (grant === undefined) throw unauthorized('unknown, used or expired ticket');
    return { tenantId: grant.tenantId, expiresAtMs: grant.tokenExpiresAt * 1000 };
  }
  const principal = await services.verifier.verify(
    bearerToken(ctx.get('Authorization') || undefined),
  );
  return { tenantId: requireTenant(principal), expiresAtMs: principal.expiresAt * 1000 };
}

function resetFrame(reason: StreamResetReason, lastEventId: string): string {
  const message =
    reason === 'unknown_cursor'
      ? 'The Last-Event-ID is unknown to this server (e.g. issued before a restart). Events may have been missed; replaying every retained event, then continuing live.'
      : 'The Last-Event-ID is older than the retention; events after it were trimmed. Events were missed; replaying from the oldest retained event, then continuing live.';
  const data: StreamResetData = { reason, lastEventId, message };
  return formatFrame({ event: CONTROL_EVENTS.reset, data: JSON.stringify(data) });
}

const MAX_RESETS_PER_REPLAY = 3;

/**
 * Replays the tenant's events after `lastEventId` into `connection`, then switches it to live.
 * On an unknown or trimmed cursor: `stream.reset` first, then every retained event. Awaits the
 * socket's drain between writes, so a replay never queues more than one frame ahead. Live events
 * arriving meanwhile are buffered by the connection; `goLive` sends those newer than the replay.
 */
async function replay(
  connection: StreamConnection,
  options: {
    log: EventLog;
    tenantId: string;
    lastEventId: string;
    pageSize: number;
    services: Services;
  },
): Promise<void> {
  const { log, tenantId, pageSize, services } = options;
  let cursor: string | null = options.lastEventId;
  let since: string | null = cursor;
  let resets = 0;
  for (;;) {
    const page = await log.readAfter(tenantId, cursor, pageSize);
    if (connection.closed) return;
    if (page.status !== 'ok') {
      if (cursor === null || resets >= MAX_RESETS_PER_REPLAY) {
        throw new Error(`replay could not read from the oldest retained event (${page.status})`);
      }
      resets += 1;
      services.metrics.streamResets.inc({ reason: page.status });
      connection.write(resetFrame(page.status, cursor));
      cursor = null;
      since = null;
      continue;
    }
    for (const stored of page.events) {
      const frame = connection.matches(stored) ? eventFrame(stored) : undefined;
      if (!connection.deliverReplayed(stored.cursor, frame)) return;
      if (frame !== undefined) services.metrics.eventsReplayed.inc();
      if (connection.needsDrain) await connection.writable();
      if (connection.closed) return;
    }
    // Done at an empty page (a short page proves nothing: implementations may cap the limit), or
    // once replay overlaps the live buffer.
    const last = page.events.at(-1);
    if (last === undefined || connection.replayCaughtUp) break;
    cursor = last.cursor;
  }
  connection.goLive(since);
}

/**
 * `GET /v1/notifications/stream`: authenticates, validates filters and limits, then holds the
 * response open as an SSE stream registered with the hub (replaying first on `Last-Event-ID`).
 * @example
 * { method: 'GET', path: '/v1/notifications/stream', handler: streamRoute(services) }
 */
export function streamRoute(services: Services): Middleware {
  const { config, hub, log, metrics, logger } = services;
  // Made once: each connection keeps one reference instead of its own closures.
  const shared: StreamConnectionShared = {
    maxBufferedBytes: config.maxBufferedBytes,
    compareCursors: (a, b) => log.compareCursors(a, b),
    now: services.now,
    logger,
    onClose(closed, reason) {
      hub.remove(closed);
      metrics.disconnects.inc({ reason });
      if (reason === 'slow_consumer') {
        logger.warn({ tenantId: closed.tenantId }, 'stream closed: slow consumer');
      }
    },
    onDelivered: (count) => metrics.eventsDelivered.inc(count),
  };
  return async function stream(ctx) {
    if (services.isDraining()) {
      throw new StreamServerError(503, 'draining', 'the server is shutting down; reconnect', {
        headers: { 'Retry-After': '1' },
      });
    }
    const { tenantId, expiresAtMs } = await authenticate(ctx, services);
    const filter = parseFilters(ctx);
    const lastEventId = lastEventIdOf(ctx);
    if (hub.count(tenantId) >= config.maxConnectionsPerTenant) {
      throw new StreamServerError(
        429,
        'too_many_connections',
        'the tenant has too many open streams',
        {
          headers: { 'Retry-After': '5' },
        },
      );
    }

    ctx.respond = false;
    const { res } = ctx;
    const connection = new StreamConnection({
      res,
      tenantId,
      filter,
      replaying: lastEventId !== undefined,
      expiresAtMs,
      shared,
    });
    // Register for live events before anything is read, so replay and live overlap, never gap.
    hub.add(connection);
    // Headers already set on ctx (CORS, Vary) are on ctx.res and merged by writeHead.
    connection.open(config.retryMs, { ...STREAM_HEADERS });
    // The client may have gone while we authenticated: its 'close' event has already fired.
    if (ctx.req.socket.destroyed) connection.close('client_closed');
    logger.debug({ tenantId, replay: lastEventId !== undefined }, 'stream opened');
    if (lastEventId === undefined) return;
    try {
      await replay(connection, {
        log,
        tenantId,
        lastEventId,
        pageSize: config.replayPageSize,
        services,
      });
    } catch (error) {
      logger.error({ err: error, tenantId }, 'replay failed; closing the stream');
      connection.close('error');
    }
  };
}
