/**
 * Runs one attempt of a delivery: sign, send, record, then schedule the next attempt (before
 * recording, so a crash in between repeats an attempt rather than losing one), or finish.
 * Also tracks an endpoint's run of failures and disables it after `disableAfterMs`.
 */
import type { Logger } from 'pino';
import type { WebhookConfig } from './config.js';
import { resultLabel, type WebhookMetrics } from './metrics.js';
import type { DeliveryQueue } from './queue.js';
import type { AttemptOutcome, Sender } from './send.js';
import { sign } from './signature.js';
import type { WebhookStore } from './store.js';
import type { DeliveryJob, StoredEndpoint } from './types.js';

/** `User-Agent` of every delivery. */
export const USER_AGENT = 'CauseFlow-Webhooks/0.1.0';

/** What `createAttemptHandler` needs. */
export interface AttemptHandlerDeps {
  readonly store: WebhookStore;
  readonly queue: DeliveryQueue;
  readonly sender: Sender;
  readonly config: WebhookConfig;
  readonly metrics: WebhookMetrics;
  readonly logger: Logger;
  readonly now: () => number;
  readonly random: () => number;
}

/**
 * The delay before retry `attempt` (1-based): the schedule's step with ± jitter, at least the
 * receiver's `Retry-After`, but never longer than the schedule's longest step.
 * @example
 * retryDelay({ schedule: [5000, 300000], attempt: 1, jitter: 0.2, random: Math.random }); // 4000..6000
 */
export function retryDelay(options: {
  schedule: readonly number[];
  attempt: number;
  jitter: number;
  random: () => number;
  retryAfterMs?: number;
}): number {
  const step = options.schedule[options.attempt - 1] ?? 0;
  const jittered = Math.round(step * (1 + options.jitter * (2 * options.random() - 1)));
  if (options.retryAfterMs === undefined) return jittered;
  const longest = Math.max(...options.schedule);
  return Math.min(Math.max(jittered, options.retryAfterMs), longest);
}

/** The secrets that sign now: the current one plus a previous one still inside its overlap. */
export function activeSecrets(endpoint: StoredEndpoint, now: number): string[] {
  return endpoint.secrets
    .filter((s) => s.expiresAt === undefined || s.expiresAt > now)
    .map((s) => s.secret);
}

/**
 * Builds the request headers of one attempt.
 * @example
 * const headers = deliveryHeaders({ job, secrets: ['whsec_…'], timestamp: 1712000000 });
 */
export function deliveryHeaders(options: {
  job: Pick<DeliveryJob, 'eventId' | 'cursor' | 'body'>;
  secrets: readonly string[];
  timestamp: number;
}): Record<string, string> {
  const { job, timestamp } = options;
  return {
    'content-type': 'application/json',
    'webhook-id': job.eventId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': sign({
      secrets: options.secrets,
      id: job.eventId,
      timestamp,
      body: job.body,
    }),
    'causeflow-cursor': job.cursor,
    'user-agent': USER_AGENT,
  };
}

/** Creates the pending record of a first attempt unless it exists. */
async function ensureRecord(deps: AttemptHandlerDeps, job: DeliveryJob): Promise<void> {
  await deps.store.createDelivery(
    job.tenantId,
    job.endpointId,
    {
      id: job.deliveryId,
      eventId: job.eventId,
      event: job.event,
      cursor: job.cursor,
      status: 'pending',
      attempts: [],
      nextAttemptAt: new Date(deps.now()).toISOString(),
    },
    deps.config.deliveryLogSize,
  );
}

/** Queues the next attempt after the retry delay; returns when it is due (ISO time). */
async function queueRetry(
  deps: AttemptHandlerDeps,
  job: DeliveryJob,
  outcome: AttemptOutcome,
): Promise<string> {
  const { config } = deps;
  const delayMs = retryDelay({
    schedule: config.retrySchedule,
    attempt: job.attempt + 1,
    jitter: config.jitter,
    random: deps.random,
    ...(outcome.retryAfterMs === undefined ? {} : { retryAfterMs: outcome.retryAfterMs }),
  });
  const nextAttemptAt = new Date(deps.now() + delayMs).toISOString();
  await deps.queue.add([
    {
      job: { ...job, attempt: job.attempt + 1 },
      jobId: `${job.deliveryId}-${job.attempt + 1}`,
      delayMs,
    },
  ]);
  return nextAttemptAt;
}

/** The ids of a job for log lines (never its body). */
function jobLogFields(job: DeliveryJob): Record<string, string | number> {
  return {
    tenantId: job.tenantId,
    endpointId: job.endpointId,
    deliveryId: job.deliveryId,
    attempt: job.attempt,
  };
}

/**
 * Returns the queue handler that runs one attempt of a job.
 * @example
 * queue.start(createAttemptHandler({ store, queue, sender, config, metrics, logger, now: Date.now, random: Math.random }));
 */
export function createAttemptHandler(
  deps: AttemptHandlerDeps,
): (job: DeliveryJob) => Promise<void> {
  const { store, sender, config, metrics, logger, now } = deps;
  return async function runAttempt(job) {
    const endpoint = await store.getEndpoint(job.tenantId, job.endpointId);
    if (endpoint === undefined) return; // deleted: nothing more is delivered to it
    // The dispatcher queues before it records, so the record may not exist yet.
    if (job.attempt === 0) await ensureRecord(deps, job);
    const started = now();
    const outcome: AttemptOutcome = endpoint.enabled
      ? await sender.send({
          url: endpoint.url,
          body: job.body,
          headers: deliveryHeaders({
            job,
            secrets: activeSecrets(endpoint, started),
            timestamp: Math.floor(started / 1000),
          }),
        })
      : { ok: false, statusCode: null, durationMs: 0, error: 'endpoint_disabled' };
    metrics.attempts.inc({ result: resultLabel(outcome.error) });
    if (outcome.error !== 'endpoint_disabled')
      metrics.attemptSeconds.observe(outcome.durationMs / 1000);
    const retries = endpoint.enabled && !outcome.ok && job.attempt < config.retrySchedule.length;
    const nextAttemptAt = retries ? await queueRetry(deps, job, outcome) : null;
    const status = outcome.ok ? 'succeeded' : retries ? 'pending' : 'failed';
    await store.recordAttempt(job.tenantId, job.endpointId, job.deliveryId, {
      attempt: {
        at: new Date(started).toISOString(),
        statusCode: outcome.statusCode,
        durationMs: outcome.durationMs,
        error: outcome.error,
      },
      status,
      nextAttemptAt,
    });
    if (status !== 'pending') metrics.deliveries.inc({ outcome: status });
    logger.debug(
      { ...jobLogFields(job), statusCode: outcome.statusCode, error: outcome.error, status },
      'webhook attempt',
    );
    if (endpoint.enabled) await trackHealth(deps, endpoint, outcome.ok, started);
  };
}

/** Resets an endpoint's failure run on success; on failure starts it or disables the endpoint. */
async function trackHealth(
  deps: AttemptHandlerDeps,
  sent: StoredEndpoint,
  ok: boolean,
  at: number,
): Promise<void> {
  // Re-read: the endpoint may have been updated (or deleted) while the attempt was in flight.
  const endpoint = await deps.store.getEndpoint(sent.tenantId, sent.id);
  if (endpoint === undefined || !endpoint.enabled) return;
  if (ok) {
    if (endpoint.failingSince !== null)
      await deps.store.updateEndpoint({ ...endpoint, failingSince: null });
    return;
  }
  const since = endpoint.failingSince ?? at;
  if (at - since < deps.config.disableAfterMs) {
    if (endpoint.failingSince === null)
      await deps.store.updateEndpoint({ ...endpoint, failingSince: since });
    return;
  }
  const disabledReason = `every delivery attempt failed since ${new Date(since).toISOString()} (more than ${deps.config.disableAfterMs} ms)`;
  await deps.store.updateEndpoint({
    ...endpoint,
    enabled: false,
    disabledReason,
    failingSince: null,
  });
  deps.metrics.endpointsDisabled.inc();
  deps.logger.warn(
    { tenantId: endpoint.tenantId, endpointId: endpoint.id },
    'webhook endpoint disabled after failing',
  );
}
