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
  // Copy-on-write lists: `emit` iterates the list it read, so handlers may (un)subscribe while
  // running, and emitting allocates nothing.
  readonly #handlers = new Map<keyof M, readonly Handler<never>[]>();
  readonly #onHandlerError: (error: unknown, name: keyof M) => void;

  /** `onHandlerError` receives what a handler threw or rejected with. */
  constructor(onHandlerError: (error: unknown, name: keyof M) => void) {
    this.#onHandlerError = onHandlerError;
  }

  /** Adds a handler (once, however often it is added); returns a function that removes it (idempotent). */
  on<K extends keyof M>(name: K, handler: Handler<M[K]>): () => void {
    const entry = handler as Handler<never>;
    const list = this.#handlers.get(name) ?? [];
    if (!list.includes(entry)) this.#handlers.set(name, [...list, entry]);
    return () => {
      const current = this.#handlers.get(name);
      if (!current?.includes(entry)) return;
      const rest = current.filter((h) => h !== entry);
      if (rest.length === 0) this.#handlers.delete(name);
      else this.#handlers.set(name, rest);
    };
  }

  /** Number of handlers registered for `name`. */
  count(name: keyof M): number {
    return this.#handlers.get(name)?.length ?? 0;
  }

  /** Calls every handler of `name` registered when the emit started. */
  emit<K extends keyof M>(name: K, payload: M[K]): void {
    const list = this.#handlers.get(name) as readonly Handler<M[K]>[] | undefined;
    if (list === undefined) return;
    for (let i = 0; i < list.length; i++) {
      try {
        const result = (list[i] as Handler<M[K]>)(payload);
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
