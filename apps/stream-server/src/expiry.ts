/**
 * One timer for many deadlines: items are bucketed by the second they fall due and a single
 * `setTimeout` is armed for the earliest bucket. The hub uses it for the token expiry of every
 * stream, instead of a timer per connection.
 */

/** Deadlines of many items, watched by one timer. */
export interface ExpiryWheel<T> {
  /** Watches `item` until `dueMs` (ms since the epoch); an item past due expires on the next tick. */
  add(item: T, dueMs: number): void;
  /** Stops watching `item` (pass the same `dueMs` it was added with). Idempotent. */
  remove(item: T, dueMs: number): void;
  /** Items being watched. */
  readonly size: number;
  /** Clears the timer; nothing expires afterwards. */
  stop(): void;
}

const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Creates an expiry wheel. `onExpired` runs once per item, at or after its deadline rounded up
 * to `granularityMs` (default 1000: JWT `exp` is in whole seconds), and may call `remove`.
 * @example
 * const wheel = createExpiryWheel<StreamConnection>({ now: Date.now, onExpired: (c) => c.close('token_expired') });
 * wheel.add(connection, connection.expiresAtMs);
 */
export function createExpiryWheel<T>(options: {
  now: () => number;
  onExpired: (item: T) => void;
  granularityMs?: number;
}): ExpiryWheel<T> {
  const { now, onExpired } = options;
  const granularity = options.granularityMs ?? 1000;
  const buckets = new Map<number, Set<T>>();
  let size = 0;
  let timer: NodeJS.Timeout | undefined;
  let armedFor = Number.POSITIVE_INFINITY;
  let stopped = false;

  const slot = (dueMs: number): number => Math.ceil(dueMs / granularity) * granularity;

  function arm(at: number): void {
    clearTimeout(timer);
    armedFor = at;
    timer = setTimeout(fire, Math.min(Math.max(at - now(), 0), MAX_TIMEOUT_MS));
    timer.unref();
  }

  function fire(): void {
    timer = undefined;
    armedFor = Number.POSITIVE_INFINITY;
    const current = now();
    const expired: T[] = [];
    let next = Number.POSITIVE_INFINITY;
    for (const [at, items] of buckets) {
      if (at <= current) {
        buckets.delete(at);
        size -= items.size;
        for (const item of items) expired.push(item);
      } else if (at < next) next = at;
    }
    // Re-armed for a far deadline (beyond the longest timeout) the same way: fire again, check.
    if (next !== Number.POSITIVE_INFINITY) arm(next);
    for (const item of expired) onExpired(item);
  }

  return {
    add(item, dueMs) {
      if (stopped) return;
      const at = slot(dueMs);
      let items = buckets.get(at);
      if (items === undefined) {
        items = new Set();
        buckets.set(at, items);
      }
      if (items.has(item)) return;
      items.add(item);
      size += 1;
      if (at < armedFor) arm(at);
    },
    remove(item, dueMs) {
      const at = slot(dueMs);
      const items = buckets.get(at);
      if (items === undefined || !items.delete(item)) return;
      size -= 1;
      if (items.size === 0) buckets.delete(at);
    },
    get size() {
      return size;
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
      armedFor = Number.POSITIVE_INFINITY;
      buckets.clear();
      size = 0;
    },
  };
}
