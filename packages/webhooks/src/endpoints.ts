/**
 * The endpoints API's operations, tenant-scoped: create (secret shown once), list, get, update,
 * delete, rotate the secret (the old one keeps signing for the overlap), the delivery log, and
 * replay after a cursor. Input is checked by `input.ts`; errors are `WebhookError`s.
 */
import { randomBytes } from 'node:crypto';
import type { EventLog, StoredEvent } from '@causeflow/bus';
import type { Logger } from 'pino';
import type { WebhookConfig } from './config.js';
import { endpointMatcher, firstAttempt } from './dispatcher.js';
import { WebhookError } from './errors.js';
import { type DeliveriesQuery, parseCreate, parseReplay, parseUpdate } from './input.js';
import type { DeliveryQueue, QueuedJob } from './queue.js';
import { generateSecret } from './signature.js';
import type { DeliveryPage, WebhookStore } from './store.js';
import type { Endpoint, StoredEndpoint } from './types.js';

/** The operations behind `/v1/webhooks…`. */
export interface EndpointsApi {
  create(tenantId: string, body: unknown): Promise<Endpoint & { secret: string }>;
  list(tenantId: string): Promise<Endpoint[]>;
  get(tenantId: string, id: string): Promise<Endpoint>;
  update(tenantId: string, id: string, body: unknown): Promise<Endpoint>;
  remove(tenantId: string, id: string): Promise<void>;
  rotateSecret(tenantId: string, id: string): Promise<{ secret: string }>;
  deliveries(tenantId: string, id: string, query: DeliveriesQuery): Promise<DeliveryPage>;
  replay(tenantId: string, id: string, body: unknown): Promise<{ queued: number }>;
}

const ID_PATTERN = /^whk_[A-Za-z0-9]{1,64}$/;

/** The public view of a stored endpoint (no secrets, no dispatch state). */
export function toEndpoint(e: StoredEndpoint): Endpoint {
  return {
    id: e.id,
    url: e.url,
    events: e.events,
    description: e.description,
    enabled: e.enabled,
    createdAt: e.createdAt,
    ...(e.disabledReason === undefined ? {} : { disabledReason: e.disabledReason }),
  };
}

function notFound(): WebhookError {
  return new WebhookError(404, 'not_found', 'no such webhook endpoint');
}

/** The newest cursor of a tenant's log, reading forward from `from` (the checkpoint when known). */
async function newestCursor(
  log: EventLog,
  tenantId: string,
  from: string | null,
  pageSize: number,
): Promise<string | null> {
  let cursor = from;
  let read = await log.readAfter(tenantId, cursor, pageSize);
  if (read.status !== 'ok') {
    cursor = null;
    read = await log.readAfter(tenantId, null, pageSize);
  }
  while (read.status === 'ok' && read.events.length > 0) {
    cursor = read.events.at(-1)!.cursor;
    if (read.events.length < pageSize) break;
    read = await log.readAfter(tenantId, cursor, pageSize);
  }
  return cursor;
}

/** What `createEndpointsApi` needs. */
interface EndpointsDeps {
  log: EventLog;
  store: WebhookStore;
  queue: DeliveryQueue;
  config: WebhookConfig;
  logger: Logger;
  now: () => number;
  /** Called after a tenant's endpoints were created or changed (the dispatcher forgets its notes). */
  onChange?: (tenantId: string) => void;
}

/** Reads every matching retained event after `after` into first-attempt jobs with fresh delivery ids. */
async function replayJobs(
  deps: Pick<EndpointsDeps, 'log' | 'config'>,
  endpoint: StoredEndpoint,
  after: string | null,
  room: number,
): Promise<QueuedJob[]> {
  const { log, config } = deps;
  const jobs: QueuedJob[] = [];
  const matches = endpointMatcher(endpoint);
  let cursor = after;
  for (;;) {
    const read = await log.readAfter(endpoint.tenantId, cursor, config.pageSize);
    if (read.status === 'unknown_cursor')
      throw new WebhookError(
        400,
        'unknown_cursor',
        'after is not a cursor of this tenant (or it was issued before a restart)',
      );
    const events: readonly StoredEvent[] = read.status === 'ok' ? read.events : [];
    if (read.status === 'cursor_trimmed') {
      cursor = null;
      continue;
    }
    for (const stored of events) {
      if (!matches(stored.event.event)) continue;
      jobs.push(firstAttempt(endpoint, stored, `dlv_${randomBytes(13).toString('hex')}`));
      if (jobs.length > room) {
        throw new WebhookError(
          429,
          'too_many_pending',
          `the replay would exceed the pending deliveries limit (${room} more allowed); replay from a later cursor or wait`,
        );
      }
    }
    if (events.length < config.pageSize) return jobs;
    cursor = events.at(-1)!.cursor;
  }
}

/** Creates an endpoint that receives events from now on (its `since` is the log's newest cursor). */
async function createEndpoint(
  deps: EndpointsDeps,
  tenantId: string,
  body: unknown,
): Promise<Endpoint & { secret: string }> {
  const { log, store, config, logger, now } = deps;
  const input = parseCreate(body, {
    allowHttp: config.allowHttp,
    allowPrivate: config.allowPrivate,
  });
  const checkpoint = await store.getCheckpoint(tenantId);
  const since = await newestCursor(log, tenantId, checkpoint, config.pageSize);
  const secret = generateSecret();
  const endpoint: StoredEndpoint = {
    id: `whk_${randomBytes(12).toString('hex')}`,
    tenantId,
    url: input.url,
    events: input.events,
    description: input.description,
    enabled: true,
    createdAt: new Date(now()).toISOString(),
    secrets: [{ secret }],
    since,
    failingSince: null,
  };
  const created = await store.createEndpoint(endpoint, {
    perTenant: config.maxEndpointsPerTenant,
    total: config.maxEndpointsTotal,
  });
  if (created === 'limit') {
    throw new WebhookError(
      409,
      'endpoint_limit',
      `at most ${config.maxEndpointsPerTenant} webhook endpoints per tenant (or the server's total limit) are allowed; delete one first`,
    );
  }
  if (checkpoint === null && since !== null) await store.setCheckpoint(tenantId, since);
  deps.onChange?.(tenantId);
  logger.info(
    { tenantId, endpointId: endpoint.id, host: new URL(endpoint.url).host },
    'webhook endpoint created',
  );
  return { ...toEndpoint(endpoint), secret };
}

/** The secrets after a rotation: the new one, the previous one until the overlap ends, at most three. */
function rotatedSecrets(
  endpoint: StoredEndpoint,
  secret: string,
  at: number,
  overlapMs: number,
): StoredEndpoint['secrets'] {
  const previous = endpoint.secrets.find((s) => s.expiresAt === undefined);
  const kept = endpoint.secrets.filter((s) => s.expiresAt !== undefined && s.expiresAt > at);
  return [
    { secret },
    ...(previous ? [{ secret: previous.secret, expiresAt: at + overlapMs }] : []),
    ...kept,
  ].slice(0, 3);
}

/**
 * Builds the API over a store, the log and the queue.
 * @example
 * const api = createEndpointsApi({ log, store, queue, config, logger, now: Date.now });
 * const { id, secret } = await api.create('ten_acme', { url: 'https://hooks.acme.com/cf' });
 */
export function createEndpointsApi(deps: EndpointsDeps): EndpointsApi {
  const { store, queue, config, logger, now } = deps;
  const changed = deps.onChange ?? (() => {});
  const policy = { allowHttp: config.allowHttp, allowPrivate: config.allowPrivate };

  async function load(tenantId: string, id: string): Promise<StoredEndpoint> {
    if (!ID_PATTERN.test(id)) throw notFound();
    const endpoint = await store.getEndpoint(tenantId, id);
    if (endpoint === undefined) throw notFound();
    return endpoint;
  }

  async function save(endpoint: StoredEndpoint): Promise<StoredEndpoint> {
    if (!(await store.updateEndpoint(endpoint))) throw notFound();
    return endpoint;
  }

  return {
    create: (tenantId, body) => createEndpoint(deps, tenantId, body),
    list: async (tenantId) => (await store.listEndpoints(tenantId)).map(toEndpoint),
    get: async (tenantId, id) => toEndpoint(await load(tenantId, id)),
    async update(tenantId, id, body) {
      const input = parseUpdate(body, policy);
      const endpoint = await load(tenantId, id);
      let next: StoredEndpoint = { ...endpoint, ...input };
      if (input.enabled === true && !endpoint.enabled) {
        const { disabledReason: _cleared, ...rest } = next;
        next = { ...rest, failingSince: null };
      }
      const saved = await save(next);
      changed(tenantId);
      return toEndpoint(saved);
    },
    async remove(tenantId, id) {
      if (!ID_PATTERN.test(id) || !(await store.deleteEndpoint(tenantId, id))) throw notFound();
      logger.info({ tenantId, endpointId: id }, 'webhook endpoint deleted');
    },
    async rotateSecret(tenantId, id) {
      const endpoint = await load(tenantId, id);
      const secret = generateSecret();
      await save({
        ...endpoint,
        secrets: rotatedSecrets(endpoint, secret, now(), config.secretOverlapMs),
      });
      logger.info({ tenantId, endpointId: id }, 'webhook secret rotated');
      return { secret };
    },
    async deliveries(tenantId, id, query) {
      await load(tenantId, id);
      return store.listDeliveries(tenantId, id, query);
    },
    async replay(tenantId, id, body) {
      const { after } = parseReplay(body);
      const endpoint = await load(tenantId, id);
      if (!endpoint.enabled)
        throw new WebhookError(
          409,
          'endpoint_disabled',
          'the endpoint is disabled; enable it (PATCH enabled: true) before replaying',
        );
      const counts = await store.pendingCounts(tenantId);
      const room = Math.min(
        config.maxPendingPerTenant - counts.tenant,
        config.maxPendingTotal - counts.total,
      );
      const jobs = await replayJobs(deps, endpoint, after, Math.max(0, room));
      await queue.add(jobs);
      logger.info({ tenantId, endpointId: id, queued: jobs.length }, 'webhook replay queued');
      return { queued: jobs.length };
    },
  };
}
