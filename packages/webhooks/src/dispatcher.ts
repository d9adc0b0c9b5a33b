/**
 * Durable dispatch: turns the event log into delivery jobs. Per tenant, a checkpoint (a cursor
 * in the store) marks how far the log has been dispatched; a pump reads the log after it, queues
 * one job per (matching endpoint, event) with a deterministic delivery id, and only then moves
 * the checkpoint. Any instance can run any tenant's pump (a live event, the start-up resume, the
 * periodic sweep), so an event acknowledged by an instance that dies right after is still
 * dispatched by the next pump — from the log, never from memory. Running twice is harmless: a
 * delivery whose record exists is skipped and a queued job id is not queued twice.
 */
import { createHash } from 'node:crypto';
import type { EventLog, StoredEvent } from '@causeflow/bus';
import { parseEventFilter } from '@causeflow/events';
import type { Logger } from 'pino';
import type { WebhookConfig } from './config.js';
import type { DeliveryQueue, QueuedJob } from './queue.js';
import type { WebhookStore } from './store.js';
import type { DeliveryJob, StoredEndpoint } from './types.js';

/**
 * The delivery id of an event dispatched to an endpoint: the same on every instance.
 * @example
 * deliveryIdFor('whk_1', 'evt_1'); // 'dlv_…'
 */
export function deliveryIdFor(endpointId: string, eventId: string): string {
  return `dlv_${createHash('sha256').update(`${endpointId}\n${eventId}`).digest('hex').slice(0, 26)}`;
}

/**
 * The predicate of `endpoint`'s filter (empty filter: everything). Build it once per page or
 * replay, not per event: parsing the filter walks the catalog.
 */
export function endpointMatcher(
  endpoint: Pick<StoredEndpoint, 'events'>,
): (name: string) => boolean {
  if (endpoint.events.length === 0) return () => true;
  const parsed = parseEventFilter(endpoint.events.join(','));
  return parsed.ok ? parsed.filter.matches : () => false;
}

/**
 * The job of the first attempt of `stored` to `endpoint`.
 * @example
 * const job = firstAttempt(endpoint, stored, deliveryIdFor(endpoint.id, stored.event.id));
 */
export function firstAttempt(
  endpoint: StoredEndpoint,
  stored: StoredEvent,
  deliveryId: string,
): QueuedJob {
  const job: DeliveryJob = {
    tenantId: endpoint.tenantId,
    endpointId: endpoint.id,
    deliveryId,
    eventId: stored.event.id,
    event: stored.event.event,
    cursor: stored.cursor,
    body: JSON.stringify(stored.event),
    attempt: 0,
  };
  return { job, jobId: `${deliveryId}-0`, delayMs: 0 };
}

/** How long a tenant found without enabled endpoints is not looked at again by live triggers. */
export const NO_ENDPOINTS_TTL_MS = 1000;

/** What `createDispatcher` needs. */
export interface DispatcherDeps {
  readonly log: EventLog;
  readonly store: WebhookStore;
  readonly queue: DeliveryQueue;
  readonly config: WebhookConfig;
  readonly logger: Logger;
  readonly now: () => number;
}

/** Runs the per-tenant pumps of one instance. */
export interface Dispatcher {
  /**
   * Makes sure the tenant's log is dispatched up to now (coalesces concurrent calls). A tenant
   * found without enabled endpoints is skipped for `NO_ENDPOINTS_TTL_MS` (no store read per live
   * event of tenants that use no webhooks) unless `force` (the sweep) or `forget` was called.
   */
  trigger(tenantId: string, options?: { force?: boolean }): void;
  /** Drops the "no endpoints" note of a tenant (its endpoints changed on this instance). */
  forget(tenantId: string): void;
  /** Triggers every tenant that has endpoints. */
  sweep(): Promise<void>;
  /** Resolves once no pump is running (tests, shutdown). */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/** A delivery the page wants to claim. */
interface Candidate {
  readonly endpoint: StoredEndpoint;
  readonly stored: StoredEvent;
  readonly id: string;
}

/**
 * Claims one delivery: the record is created first (atomically, so of several instances one
 * wins) and the winner queues the job. A record that exists without an attempt and without a
 * queued job was claimed by an instance that died before queueing: it is queued again.
 * (Checked in that order — job, then record — because an attempt is recorded before its job
 * completes, so a missing job plus no attempt means the job never ran.)
 */
async function claim(
  deps: DispatcherDeps,
  tenantId: string,
  { endpoint, stored, id }: Candidate,
): Promise<QueuedJob | undefined> {
  const { store, queue, config } = deps;
  const job = firstAttempt(endpoint, stored, id);
  const created = await store.createDelivery(
    tenantId,
    endpoint.id,
    {
      id,
      eventId: stored.event.id,
      event: stored.event.event,
      cursor: stored.cursor,
      status: 'pending',
      attempts: [],
      nextAttemptAt: new Date(deps.now()).toISOString(),
    },
    config.deliveryLogSize,
  );
  if (created === 'created') return job;
  if (created === 'gone' || (await queue.has(job.jobId))) return undefined;
  const record = await store.getDelivery(tenantId, endpoint.id, id);
  return record?.status === 'pending' && record.attempts.length === 0 ? job : undefined;
}

/** The log page after the tenant's checkpoint (from the oldest retained event when it is gone). */
async function readPage(deps: DispatcherDeps, tenantId: string): Promise<readonly StoredEvent[]> {
  const { log, store, config, logger } = deps;
  const checkpoint = await store.getCheckpoint(tenantId);
  let read = await log.readAfter(tenantId, checkpoint, config.pageSize);
  if (read.status !== 'ok') {
    logger.warn(
      { tenantId, reason: read.status },
      'webhook checkpoint not in the log; dispatching from the oldest retained event',
    );
    read = await log.readAfter(tenantId, null, config.pageSize);
    if (read.status !== 'ok') return [];
  }
  return read.events;
}

/**
 * Whole events only, while the pending bounds leave `room`; the rest waits in the log.
 * `through` is how many events of `events` are taken.
 */
function selectCandidates(
  log: EventLog,
  endpoints: readonly StoredEndpoint[],
  events: readonly StoredEvent[],
  bounds: { room: number; tenantPending: number },
): { candidates: Candidate[]; through: number } {
  let room = bounds.room;
  const candidates: Candidate[] = [];
  let through = 0;
  const filters = endpoints.map((endpoint) => ({ endpoint, matches: endpointMatcher(endpoint) }));
  for (const stored of events) {
    const matching = filters
      .filter(
        ({ endpoint, matches }) =>
          (endpoint.since === null || log.compareCursors(stored.cursor, endpoint.since) > 0) &&
          matches(stored.event.event),
      )
      .map(({ endpoint }) => endpoint);
    // An event matching more endpoints than the bound still goes when nothing else is pending.
    if (matching.length > room && (through > 0 || bounds.tenantPending > 0)) break;
    room -= matching.length;
    through += 1;
    for (const endpoint of matching)
      candidates.push({ endpoint, stored, id: deliveryIdFor(endpoint.id, stored.event.id) });
  }
  return { candidates, through };
}

/**
 * One page: 'more' when a full page was dispatched, 'paused' when over a pending bound.
 * `noEndpoints` notes (tenant → until when) tenants found without an enabled endpoint.
 */
async function dispatchPage(
  deps: DispatcherDeps,
  noEndpoints: Map<string, number>,
  tenantId: string,
): Promise<'more' | 'done' | 'paused'> {
  const { log, store, queue, config } = deps;
  const endpoints = (await store.listEndpoints(tenantId)).filter((e) => e.enabled);
  if (endpoints.length === 0) {
    if (noEndpoints.size >= 10_000) noEndpoints.clear(); // a cache: bounded, cheap to rebuild
    noEndpoints.set(tenantId, deps.now() + NO_ENDPOINTS_TTL_MS);
    return 'done';
  }
  noEndpoints.delete(tenantId);
  const counts = await store.pendingCounts(tenantId);
  const room = Math.min(
    config.maxPendingPerTenant - counts.tenant,
    config.maxPendingTotal - counts.total,
  );
  if (room <= 0) return 'paused';
  const events = await readPage(deps, tenantId);
  if (events.length === 0) return 'done';
  const { candidates, through } = selectCandidates(log, endpoints, events, {
    room,
    tenantPending: counts.tenant,
  });
  if (through === 0) return 'paused';
  const claimed = await Promise.all(candidates.map((c) => claim(deps, tenantId, c)));
  await queue.add(claimed.filter((job): job is QueuedJob => job !== undefined));
  const last = events[through - 1]!.cursor;
  const current = await store.getCheckpoint(tenantId);
  if (current === null || log.compareCursors(last, current) > 0)
    await store.setCheckpoint(tenantId, last);
  if (through < events.length) return 'paused';
  return events.length < config.pageSize ? 'done' : 'more';
}

/**
 * Creates the dispatcher of one instance.
 * @example
 * const dispatcher = createDispatcher({ log, store, queue, config, logger, now: Date.now });
 * log.subscribe((stored) => dispatcher.trigger(stored.event.tenantId));
 */
export function createDispatcher(deps: DispatcherDeps): Dispatcher {
  const { store, logger } = deps;
  const running = new Map<string, { again: boolean; done: Promise<void> }>();
  const paused = new Map<string, NodeJS.Timeout>();
  /** Tenant → until when it is known to have no enabled endpoint. */
  const noEndpoints = new Map<string, number>();
  let stopped = false;

  async function pump(tenantId: string): Promise<void> {
    for (;;) {
      const state = running.get(tenantId)!;
      state.again = false;
      let result: 'more' | 'done' | 'paused';
      try {
        result = await dispatchPage(deps, noEndpoints, tenantId);
      } catch (error) {
        logger.warn({ err: error, tenantId }, 'webhook dispatch failed; retrying');
        result = 'paused';
      }
      if (stopped) return;
      if (result === 'paused') {
        if (!paused.has(tenantId)) {
          const timer = setTimeout(() => {
            paused.delete(tenantId);
            trigger(tenantId);
          }, 1000);
          timer.unref();
          paused.set(tenantId, timer);
        }
        return;
      }
      if (result === 'done' && !state.again) return;
    }
  }

  function trigger(tenantId: string, options: { force?: boolean } = {}): void {
    if (stopped) return;
    const until = noEndpoints.get(tenantId);
    if (until !== undefined && !options.force) {
      if (until > deps.now()) return;
      noEndpoints.delete(tenantId);
    }
    const state = running.get(tenantId);
    if (state !== undefined) {
      state.again = true;
      return;
    }
    const entry = { again: false, done: Promise.resolve() };
    running.set(tenantId, entry);
    entry.done = pump(tenantId).finally(() => running.delete(tenantId));
  }

  return {
    trigger,
    forget: (tenantId) => noEndpoints.delete(tenantId),
    async sweep() {
      try {
        for (const tenantId of await store.tenantsWithEndpoints())
          trigger(tenantId, { force: true });
      } catch (error) {
        logger.warn({ err: error }, 'webhook sweep failed');
      }
    },
    async idle() {
      while (running.size > 0) await Promise.all([...running.values()].map((s) => s.done));
    },
    async stop() {
      stopped = true;
      for (const timer of paused.values()) clearTimeout(timer);
      paused.clear();
      await Promise.all([...running.values()].map((s) => s.done));
    },
  };
}
