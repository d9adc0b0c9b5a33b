/**
 * Where webhook state lives: endpoints, the delivery log, pending counts and the per-tenant
 * dispatch checkpoint. Two implementations with the same contract: memory (dev mode, one
 * process) and Redis (`createRedisWebhookStore`, shared by every instance).
 */
import type { DeliveriesQuery } from './input.js';
import type { Attempt, Delivery, DeliveryStatus, StoredEndpoint } from './types.js';

/** Bounds a create must respect. */
export interface EndpointLimits {
  readonly perTenant: number;
  readonly total: number;
}

/** A page of the delivery log, newest first. */
export interface DeliveryPage {
  readonly deliveries: readonly Delivery[];
  /** Pass as `after` for the next page; `null` at the end. */
  readonly next: string | null;
}

/** The state change of one attempt. */
export interface AttemptUpdate {
  readonly attempt: Attempt;
  readonly status: DeliveryStatus;
  readonly nextAttemptAt: string | null;
}

/** Storage of the webhook sender. Every method is tenant-scoped; ids of another tenant are not found. */
export interface WebhookStore {
  /** Stores a new endpoint; `'limit'` when a bound is reached (nothing stored). */
  createEndpoint(endpoint: StoredEndpoint, limits: EndpointLimits): Promise<'ok' | 'limit'>;
  getEndpoint(tenantId: string, id: string): Promise<StoredEndpoint | undefined>;
  /** Every endpoint of a tenant (bounded by the per-tenant limit), oldest first. */
  listEndpoints(tenantId: string): Promise<StoredEndpoint[]>;
  /** Replaces an existing endpoint; false when it no longer exists. */
  updateEndpoint(endpoint: StoredEndpoint): Promise<boolean>;
  /** Deletes an endpoint and its delivery log; false when unknown. */
  deleteEndpoint(tenantId: string, id: string): Promise<boolean>;
  /** Tenants that have at least one endpoint. */
  tenantsWithEndpoints(): Promise<string[]>;

  /**
   * Adds a pending delivery unless one with this id exists (`'exists'`) or the endpoint is gone
   * (`'gone'`); trims the endpoint's log to `logSize`. Atomic: of concurrent callers one gets `'created'`.
   */
  createDelivery(
    tenantId: string,
    endpointId: string,
    delivery: Delivery,
    logSize: number,
  ): Promise<'created' | 'exists' | 'gone'>;
  /** One delivery of an endpoint, when it exists. */
  getDelivery(
    tenantId: string,
    endpointId: string,
    deliveryId: string,
  ): Promise<Delivery | undefined>;
  /** Appends an attempt and moves the status; false when the delivery is gone (endpoint deleted, trimmed). */
  recordAttempt(
    tenantId: string,
    endpointId: string,
    deliveryId: string,
    update: AttemptUpdate,
  ): Promise<boolean>;
  listDeliveries(
    tenantId: string,
    endpointId: string,
    query: DeliveriesQuery,
  ): Promise<DeliveryPage>;
  /** Pending deliveries of the tenant and of everyone. */
  pendingCounts(tenantId: string): Promise<{ tenant: number; total: number }>;
  /** Pending deliveries of everyone and endpoints currently disabled (metrics). */
  stats(): Promise<{ pending: number; disabled: number }>;

  getCheckpoint(tenantId: string): Promise<string | null>;
  setCheckpoint(tenantId: string, cursor: string): Promise<void>;
  close(): Promise<void>;
}

interface MemoryDelivery {
  seq: number;
  delivery: Delivery;
}

interface MemoryTenant {
  endpoints: Map<string, StoredEndpoint>;
  /** endpointId → (deliveryId → record), in creation order (Map order). */
  logs: Map<string, Map<string, MemoryDelivery>>;
  checkpoint: string | null;
  pending: number;
}

/** Drops the oldest settled deliveries of a log until it holds at most `logSize` (pending ones stay). */
function trim(log: Map<string, MemoryDelivery>, logSize: number): void {
  let excess = log.size - logSize;
  for (const [id, d] of log) {
    if (excess <= 0) break;
    if (d.delivery.status === 'pending') continue;
    log.delete(id);
    excess -= 1;
  }
}

/** The newest-first page of a log before `after`, optionally of one status. */
function pageOf(
  log: Map<string, MemoryDelivery>,
  query: { status?: DeliveryStatus; limit: number; after?: string },
): DeliveryPage {
  const afterSeq =
    query.after === undefined ? Number.POSITIVE_INFINITY : (log.get(query.after)?.seq ?? -1);
  const page: MemoryDelivery[] = [];
  const all = [...log.values()];
  for (let i = all.length - 1; i >= 0 && page.length <= query.limit; i--) {
    const d = all[i]!;
    if (d.seq >= afterSeq) continue;
    if (query.status !== undefined && d.delivery.status !== query.status) continue;
    page.push(d);
  }
  const more = page.length > query.limit;
  const shown = page.slice(0, query.limit);
  return {
    deliveries: shown.map((d) => d.delivery),
    next: more ? (shown.at(-1)?.delivery.id ?? null) : null,
  };
}

/** The `WebhookStore` in maps: per-tenant state plus the global counts. */
class MemoryWebhookStore implements WebhookStore {
  readonly #tenants = new Map<string, MemoryTenant>();
  #endpointsTotal = 0;
  #pendingTotal = 0;
  #seq = 0;

  #tenant(id: string): MemoryTenant {
    let t = this.#tenants.get(id);
    if (t === undefined) {
      t = { endpoints: new Map(), logs: new Map(), checkpoint: null, pending: 0 };
      this.#tenants.set(id, t);
    }
    return t;
  }

  #addPending(t: MemoryTenant, n: number): void {
    t.pending += n;
    this.#pendingTotal += n;
  }

  async createEndpoint(endpoint: StoredEndpoint, limits: EndpointLimits): Promise<'ok' | 'limit'> {
    const t = this.#tenant(endpoint.tenantId);
    if (t.endpoints.size >= limits.perTenant || this.#endpointsTotal >= limits.total)
      return 'limit';
    t.endpoints.set(endpoint.id, endpoint);
    t.logs.set(endpoint.id, new Map());
    this.#endpointsTotal += 1;
    return 'ok';
  }

  async getEndpoint(tenantId: string, id: string): Promise<StoredEndpoint | undefined> {
    return this.#tenants.get(tenantId)?.endpoints.get(id);
  }

  async listEndpoints(tenantId: string): Promise<StoredEndpoint[]> {
    return [...(this.#tenants.get(tenantId)?.endpoints.values() ?? [])];
  }

  async updateEndpoint(endpoint: StoredEndpoint): Promise<boolean> {
    const t = this.#tenants.get(endpoint.tenantId);
    if (t?.endpoints.has(endpoint.id) !== true) return false;
    t.endpoints.set(endpoint.id, endpoint);
    return true;
  }

  async deleteEndpoint(tenantId: string, id: string): Promise<boolean> {
    const t = this.#tenants.get(tenantId);
    if (t?.endpoints.delete(id) !== true) return false;
    this.#endpointsTotal -= 1;
    let pending = 0;
    for (const d of t.logs.get(id)?.values() ?? []) if (d.delivery.status === 'pending') pending++;
    this.#addPending(t, -pending);
    t.logs.delete(id);
    return true;
  }

  async tenantsWithEndpoints(): Promise<string[]> {
    return [...this.#tenants.entries()].filter(([, t]) => t.endpoints.size > 0).map(([id]) => id);
  }

  async createDelivery(
    tenantId: string,
    endpointId: string,
    delivery: Delivery,
    logSize: number,
  ): Promise<'created' | 'exists' | 'gone'> {
    const log = this.#tenants.get(tenantId)?.logs.get(endpointId);
    if (log === undefined) return 'gone';
    if (log.has(delivery.id)) return 'exists';
    log.set(delivery.id, { seq: ++this.#seq, delivery });
    this.#addPending(this.#tenant(tenantId), 1);
    trim(log, logSize);
    return 'created';
  }

  async getDelivery(
    tenantId: string,
    endpointId: string,
    id: string,
  ): Promise<Delivery | undefined> {
    return this.#tenants.get(tenantId)?.logs.get(endpointId)?.get(id)?.delivery;
  }

  async recordAttempt(
    tenantId: string,
    endpointId: string,
    id: string,
    update: AttemptUpdate,
  ): Promise<boolean> {
    const t = this.#tenants.get(tenantId);
    const record = t?.logs.get(endpointId)?.get(id);
    if (t === undefined || record === undefined) return false;
    const was = record.delivery.status;
    record.delivery = {
      ...record.delivery,
      attempts: [...record.delivery.attempts, update.attempt],
      status: update.status,
      nextAttemptAt: update.nextAttemptAt,
    };
    if (was === 'pending' && update.status !== 'pending') this.#addPending(t, -1);
    if (was !== 'pending' && update.status === 'pending') this.#addPending(t, 1);
    return true;
  }

  async listDeliveries(
    tenantId: string,
    endpointId: string,
    query: DeliveriesQuery,
  ): Promise<DeliveryPage> {
    const log = this.#tenants.get(tenantId)?.logs.get(endpointId);
    return log === undefined ? { deliveries: [], next: null } : pageOf(log, query);
  }

  async pendingCounts(tenantId: string): Promise<{ tenant: number; total: number }> {
    return { tenant: this.#tenants.get(tenantId)?.pending ?? 0, total: this.#pendingTotal };
  }

  async stats(): Promise<{ pending: number; disabled: number }> {
    let disabled = 0;
    for (const t of this.#tenants.values()) {
      for (const e of t.endpoints.values()) if (!e.enabled) disabled++;
    }
    return { pending: this.#pendingTotal, disabled };
  }

  async getCheckpoint(tenantId: string): Promise<string | null> {
    return this.#tenants.get(tenantId)?.checkpoint ?? null;
  }

  async setCheckpoint(tenantId: string, cursor: string): Promise<void> {
    this.#tenant(tenantId).checkpoint = cursor;
  }

  async close(): Promise<void> {}
}

/**
 * The in-process store (dev mode, `BUS=memory`): nothing survives a restart.
 * @example
 * const store = createMemoryWebhookStore();
 */
export function createMemoryWebhookStore(): WebhookStore {
  return new MemoryWebhookStore();
}
