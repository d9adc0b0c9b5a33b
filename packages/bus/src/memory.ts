import { MAX_READ_LIMIT, normalizeLimit, type PreparedEvent, prepareBatch } from './batch.js';
import {
  compareSequenceCursors,
  formatSequenceCursor,
  ORIGIN_SEQUENCE,
  parseSequenceCursor,
  SEQUENCE_EPOCH_PATTERN,
  UNKNOWN,
} from './cursor.js';
import { BusError, BusUnavailableError } from './errors.js';
import { newEpoch } from './id.js';
import { ListenerRegistry } from './listeners.js';
import { readStart, resolveRetention } from './retention.js';
import type {
  BusLogger,
  EventListener,
  EventLog,
  ReadResult,
  StoredEvent,
  Unsubscribe,
} from './types.js';

/** Options of `createMemoryEventLog`. */
export interface MemoryEventLogOptions {
  /** Events kept per tenant for replay; older ones are dropped (default 10000). */
  readonly retention?: number;
  /** The epoch written into cursors, `[A-Za-z0-9_]{1,64}`; random per instance by default. */
  readonly epoch?: string;
  /** Receives errors thrown by listeners. */
  readonly logger?: BusLogger;
}

/** One tenant's ring buffer: the last `retention` events, sequence numbers from 1. */
interface TenantRing {
  readonly slots: StoredEvent[];
  /** Event id -> its retained entry, in step with `slots` (an id leaves when its entry is trimmed). */
  readonly byId: Map<string, StoredEvent>;
  /** Sequence number the next appended event gets. */
  next: number;
}

/**
 * Stores one event in its tenant's ring (O(1)), or returns the retained event with its id
 * (idempotent appends). `fresh` says whether it was stored now.
 */
function storeInRing(
  ring: TenantRing,
  event: PreparedEvent,
  epoch: string,
  retention: number,
): { entry: StoredEvent; fresh: boolean } {
  const existing = ring.byId.get(event.id);
  if (existing) return { entry: existing, fresh: false };
  const seq = ring.next++;
  const entry: StoredEvent = Object.freeze({ cursor: formatSequenceCursor(epoch, seq), event });
  // Sequence s lives at (s - 1) % retention; the array grows by push until it is full.
  const slot = (seq - 1) % retention;
  const evicted = ring.slots[slot];
  if (evicted) ring.byId.delete(evicted.event.id);
  ring.slots[slot] = entry;
  ring.byId.set(event.id, entry);
  return { entry, fresh: true };
}

/**
 * Reads a ring after a cursor: the events are found by offset into the ring, so a read costs
 * O(limit), whatever the retention.
 */
function readRing(
  ring: TenantRing | undefined,
  epoch: string,
  retention: number,
  cursor: string | null,
  limit: number,
): ReadResult {
  const newest = ring ? ring.next - 1 : 0;
  const oldest = newest - (ring ? ring.slots.length : 0) + 1;
  let after = oldest - 1;
  if (cursor !== null) {
    const parsed = parseSequenceCursor(cursor);
    if (!parsed || parsed.epoch !== epoch) return UNKNOWN;
    const start = readStart(parsed.position, oldest, newest);
    if (typeof start !== 'number') return start;
    after = start;
  }
  const count = Math.min(normalizeLimit(limit), newest - after, MAX_READ_LIMIT);
  const events: StoredEvent[] = new Array(count);
  for (let k = 0; k < count; k++) events[k] = ring!.slots[(after + k) % retention]!;
  return { status: 'ok', events };
}

/**
 * The embedded event log: one process, a ring buffer of `retention` events per tenant.
 * Cursors are `<epoch>-<sequence>`; the epoch is random per instance, so a cursor from before a
 * restart is `unknown_cursor`. Append is O(batch), read O(limit), delivery synchronous. Appends
 * are idempotent by event `id` per tenant while the event is retained.
 * @example
 * const log = createMemoryEventLog({ retention: 1000 });
 * const [stored] = await log.append([event]);
 * const page = await log.readAfter(event.tenantId, null, 100);
 */
export function createMemoryEventLog(options: MemoryEventLogOptions = {}): EventLog {
  const retention = resolveRetention(options.retention);
  const epoch = options.epoch ?? newEpoch();
  if (!SEQUENCE_EPOCH_PATTERN.test(epoch)) {
    throw new BusError(`epoch must match ${SEQUENCE_EPOCH_PATTERN}`);
  }
  const tenants = new Map<string, TenantRing>();
  const listeners = new ListenerRegistry(options.logger);
  let closed = false;

  return {
    async append(events: readonly unknown[]): Promise<StoredEvent[]> {
      if (closed) throw new BusUnavailableError('the event log is closed');
      const prepared = prepareBatch(events);
      const stored: StoredEvent[] = new Array(prepared.length);
      const fresh: StoredEvent[] = [];
      for (let i = 0; i < prepared.length; i++) {
        const event = Object.freeze(prepared[i]!);
        let ring = tenants.get(event.tenantId);
        if (!ring) {
          ring = { slots: [], byId: new Map(), next: 1 };
          tenants.set(event.tenantId, ring);
        }
        // Idempotent by id: a retained event with this id (earlier, or earlier in this batch)
        // stands in for it, and is not delivered again.
        const result = storeInRing(ring, event, epoch, retention);
        stored[i] = result.entry;
        if (result.fresh) fresh.push(result.entry);
      }
      listeners.emit(fresh);
      return stored;
    },

    async readAfter(tenantId: string, cursor: string | null, limit: number): Promise<ReadResult> {
      if (closed) throw new BusUnavailableError('the event log is closed');
      return readRing(tenants.get(tenantId), epoch, retention, cursor, limit);
    },

    async originCursor(): Promise<string> {
      if (closed) throw new BusUnavailableError('the event log is closed');
      // Sequence 0: \`readStart\` reads it from sequence 1, or answers TRIMMED once 1 is gone.
      return formatSequenceCursor(epoch, ORIGIN_SEQUENCE);
    },

    subscribe(listener: EventListener): Unsubscribe {
      return listeners.add(listener);
    },

    compareCursors(a: string, b: string): number {
      return compareSequenceCursors(a, b);
    },

    async isReady(): Promise<boolean> {
      return !closed;
    },

    async close(): Promise<void> {
      closed = true;
      listeners.clear();
    },
  };
}
