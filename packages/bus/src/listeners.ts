import type { BusLogger, EventListener, StoredEvent, Unsubscribe } from './types.js';

/**
 * The subscribers of one log instance. Delivers batches in the order they are emitted, even when a
 * listener appends from inside its callback (that batch is queued behind the current one), and
 * isolates listeners from each other: a throwing listener is logged and skipped.
 */
export class ListenerRegistry {
  #listeners: readonly EventListener[] = [];
  readonly #queue: (readonly StoredEvent[])[] = [];
  #draining = false;

  constructor(private readonly logger?: BusLogger) {}

  /** Adds a listener; the returned function removes it (idempotent). */
  add(listener: EventListener): Unsubscribe {
    // A wrapper per subscription, so the same function subscribed twice is two subscriptions.
    const entry: EventListener = (event) => listener(event);
    this.#listeners = [...this.#listeners, entry];
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== entry);
    };
  }

  /** Removes every listener. */
  clear(): void {
    this.#listeners = [];
    this.#queue.length = 0;
  }

  /** Delivers a batch to every listener, in order, after any batch already being delivered. */
  emit(batch: readonly StoredEvent[]): void {
    if (batch.length === 0 || this.#listeners.length === 0) return;
    this.#queue.push(batch);
    if (this.#draining) return;
    this.#draining = true;
    try {
      for (let b = 0; b < this.#queue.length; b++) {
        for (const event of this.#queue[b]!) {
          // Snapshot per event; a listener removed meanwhile gets nothing more.
          const current = this.#listeners;
          for (const listener of current) {
            if (this.#listeners !== current && !this.#listeners.includes(listener)) continue;
            try {
              listener(event);
            } catch (err) {
              this.logger?.error({ err, cursor: event.cursor }, 'event listener threw; skipped');
            }
          }
        }
      }
    } finally {
      this.#queue.length = 0;
      this.#draining = false;
    }
  }
}
