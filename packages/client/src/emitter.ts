/**
 * A small typed emitter: `on(name, handler)` returns its unsubscribe function; a handler that
 * throws (or rejects) never breaks the emitter or the other handlers, it is reported instead.
 */

/** A handler of one emitter event; a returned promise is watched for rejection. */
export type Handler<P> = (payload: P) => unknown;

/**
 * Emitter typed by a map of event name → payload type.
 * @example
 * const em = new TypedEmitter<{ tick: number }>((err) => report(err));
 * const off = em.on('tick', (n) => n.toFixed());
 * em.emit('tick', 1); off();
 */
export class TypedEmitter<M> {
  readonly #handlers = new Map<keyof M, Set<Handler<never>>>();
  readonly #onHandlerError: (error: unknown, name: keyof M) => void;

  /** `onHandlerError` receives what a handler threw or rejected with. */
  constructor(onHandlerError: (error: unknown, name: keyof M) => void) {
    this.#onHandlerError = onHandlerError;
  }

  /** Adds a handler; returns a function that removes it (idempotent). */
  on<K extends keyof M>(name: K, handler: Handler<M[K]>): () => void {
    let set = this.#handlers.get(name);
    if (!set) {
      set = new Set();
      this.#handlers.set(name, set);
    }
    const entry = handler as Handler<never>;
    set.add(entry);
    return () => {
      this.#handlers.get(name)?.delete(entry);
    };
  }

  /** Number of handlers registered for `name`. */
  count(name: keyof M): number {
    return this.#handlers.get(name)?.size ?? 0;
  }

  /** Calls every handler of `name` (a snapshot, so handlers may unsubscribe while running). */
  emit<K extends keyof M>(name: K, payload: M[K]): void {
    const set = this.#handlers.get(name);
    if (!set || set.size === 0) return;
    for (const handler of [...set]) {
      try {
        const result = (handler as Handler<M[K]>)(payload);
        if (result instanceof Promise) {
          result.then(undefined, (error: unknown) => this.#onHandlerError(error, name));
        }
      } catch (error) {
        this.#onHandlerError(error, name);
      }
    }
  }

  /** Removes every handler. */
  clear(): void {
    this.#handlers.clear();
  }
}
