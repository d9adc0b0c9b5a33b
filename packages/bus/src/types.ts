import type { CauseFlowEvent, ValidationIssue } from '@causeflow/events';

/**
 * One event as stored in the log. `cursor` is its opaque, per-tenant position: the SSE `id:`
 * a client sends back as `Last-Event-ID` to resume right after it.
 */
export interface StoredEvent {
  readonly cursor: string;
  /** The validated event; `id` is always set (assigned at append when the producer sent none). */
  readonly event: CauseFlowEvent & { readonly id: string };
}

/** Result of reading a tenant's log after a cursor. */
export type ReadResult =
  /** Events strictly after the cursor, in append order (at most `limit`); empty when caught up. */
  | { readonly status: 'ok'; readonly events: readonly StoredEvent[] }
  /** The cursor was never issued by this log, or belongs to another epoch (e.g. before a restart). */
  | { readonly status: 'unknown_cursor' }
  /** The cursor is older than the retention: events after it were trimmed away. */
  | { readonly status: 'cursor_trimmed' };

/** Called for every event appended to the log, all tenants, in per-tenant append order. */
export type EventListener = (event: StoredEvent) => void;

/** Stops a subscription. Idempotent. */
export type Unsubscribe = () => void;

/**
 * The event log every server instance shares. Implementations: memory (embedded, one process)
 * and Redis Streams (several instances). Both pass the same conformance suite.
 */
export interface EventLog {
  /**
   * Validates every envelope, then appends them all or none. Assigns `id` when absent.
   * Order within a tenant is the order of the array (and of successive appends).
   * Idempotent by `id` per tenant while the event is retained: an event whose id is already
   * stored (or repeated earlier in the batch) is not appended or delivered again; the stored
   * event (same cursor) is returned in its place. Events without an id are never de-duplicated.
   * Throws `BatchValidationError` (nothing appended) or `BusUnavailableError`.
   */
  append(events: readonly unknown[]): Promise<StoredEvent[]>;
  /**
   * Reads the tenant's events strictly after `cursor` (`null`: from the oldest retained event),
   * in append order, at most `limit` of them.
   */
  readAfter(tenantId: string, cursor: string | null, limit: number): Promise<ReadResult>;
  /**
   * The tenant's origin cursor: the place before its first event. Reading after it returns
   * every event appended to the tenant (including those appended after this call), or
   * `cursor_trimmed` once any was trimmed; it orders before every event cursor of the tenant.
   * A consumer that found the log empty resumes from it without missing a racing append.
   * May create the tenant's epoch (Redis). Throws `BusUnavailableError`.
   */
  originCursor(tenantId: string): Promise<string>;
  /**
   * Live events of every tenant, appended after this call, delivered once per subscriber
   * (a server instance subscribes once and fans out to its own connections).
   */
  subscribe(listener: EventListener): Unsubscribe;
  /**
   * Orders two cursors of the same tenant: negative when `a` is older than `b`, 0 when equal.
   * Used to join replay and live without gap or duplicate. Never throws: cursors of another
   * epoch order by epoch, strings this log could not have issued sort before all of its cursors.
   */
  compareCursors(a: string, b: string): number;
  /** True when the log can take appends, serve reads and deliver live events now (`/readyz`). */
  isReady(): Promise<boolean>;
  /** Stops subscriptions and releases connections. */
  close(): Promise<void>;
}

/**
 * The logger the implementations report to (connection trouble, a throwing listener).
 * A pino logger fits; nothing is logged when it is absent.
 */
export interface BusLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** One reason an event of a batch was refused: its index in the batch plus the issue. */
export interface BatchIssue extends ValidationIssue {
  readonly index: number;
}
