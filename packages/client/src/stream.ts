/**
 * `CauseFlowStream`: the object both transports (fetch streaming and the browser's EventSource)
 * feed. It turns SSE messages into validated, typed events and hands them to typed handlers and
 * to async iterators; connection state and errors are events too.
 */
import {
  type CauseFlowEvent,
  EVENT_NAMES,
  type EventMap,
  type EventName,
  type StreamResetData,
  type ValidationIssue,
  validateEvent,
} from '@causeflow/events';
import { type Handler, TypedEmitter } from './emitter.js';
import { CauseFlowStreamError } from './errors.js';
import type { SseMessage } from './sse.js';

/** Connection state: `connecting` (first attempt), `open`, `reconnecting` (after a drop), `closed`. */
export type StreamState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** The domain part of an event name (`incident` of `incident.created`). */
export type EventDomain = EventName extends infer N
  ? N extends `${infer D}.${string}`
    ? D
    : never
  : never;

/** The events of one domain, as delivered to an `on('incident.*', …)` handler. */
export type DomainEvent<D extends EventDomain> = Extract<
  CauseFlowEvent,
  { event: `${D}.${string}` }
>;

/** Payload of the `invalid` handler: a frame that is not JSON or does not match its schema. */
export interface InvalidEvent {
  /** The frame's `data` as received. */
  readonly raw: string;
  readonly errors: readonly ValidationIssue[];
  /** The SSE `event:` field, when the frame had one. */
  readonly event?: string;
  readonly id?: string;
}

/** Payload of the `unknown` handler: an event name this client's catalog does not know. */
export interface UnknownEvent {
  readonly event: string;
  /** The parsed JSON payload (the whole envelope), not validated. */
  readonly data: unknown;
  readonly id?: string;
}

/**
 * Everything `stream.on(name, handler)` accepts, name → payload: each catalog event by name,
 * `'<domain>.*'` wildcards, `'*'` for every event, and the stream's own `reset`, `invalid`,
 * `unknown`, `state` and `error`.
 */
export type StreamEventMap = EventMap & { [D in EventDomain as `${D}.*`]: DomainEvent<D> } & {
  '*': CauseFlowEvent;
  reset: StreamResetData;
  invalid: InvalidEvent;
  unknown: UnknownEvent;
  state: StreamState;
  error: CauseFlowStreamError;
};

/** What a transport may do with the stream it feeds. Internal to the package. */
export interface StreamController {
  /** Aborted by `close()`. */
  readonly signal: AbortSignal;
  /** The cursor to resume from (`Last-Event-ID`), if any. */
  readonly lastEventId: string | undefined;
  message(message: SseMessage): void;
  /** Moves the resume cursor without a message (a REST page's `next` past filtered-out events). */
  cursor(id: string | undefined): void;
  state(state: StreamState): void;
  /** Reports a transient error; the transport then reconnects. */
  error(error: CauseFlowStreamError): void;
  /** While iterators have too large a backlog: a promise that resolves once they consumed it. */
  drained(): Promise<void> | undefined;
}

/** A transport: runs until `signal` aborts; rejects with a fatal `CauseFlowStreamError` to stop. */
export type Transport = (controller: StreamController) => Promise<void>;

interface Subscriber {
  readonly queue: CauseFlowEvent[];
  wake: (() => void) | undefined;
  done: boolean;
}

/** Event name → its domain wildcard (`incident.created` → `incident.*`); only catalog names. */
const DOMAIN_WILDCARD: ReadonlyMap<string, string> = new Map(
  EVENT_NAMES.map((name) => [name, `${name.slice(0, name.indexOf('.'))}.*`]),
);

/** Iterator backlog above which the transport stops reading (TCP backpressure, then replay). */
const HIGH_WATER_MARK = 1024;

/**
 * A live, typed CauseFlow event stream. Iterate it (`for await`) or register handlers with `on`;
 * both see the same events. `close()` (or breaking out of the loop) ends it.
 * @example
 * const stream = openStream({ url, token });
 * stream.on('remediation.approved', (e) => notify(e.data.approvedBy));
 * for await (const e of stream) console.log(e.event, stream.lastEventId);
 */
export class CauseFlowStream implements AsyncIterable<CauseFlowEvent> {
  readonly #emitter: TypedEmitter<StreamEventMap>;
  readonly #abort = new AbortController();
  readonly #validate: boolean;
  readonly #subscribers = new Set<Subscriber>();
  #lastEventId: string | undefined;
  /** Mirrors `#abort.signal.aborted`, read once per frame (a plain field is cheaper). */
  #closed = false;
  #state: StreamState | undefined;
  #fatal: CauseFlowStreamError | undefined;
  #drainWaiters: (() => void)[] = [];
  readonly #finished: Promise<CauseFlowStreamError | undefined>;
  #resolveFinished!: (error: CauseFlowStreamError | undefined) => void;

  /** Starts `transport` on the next microtask (so handlers and loops set up now see everything). */
  constructor(
    transport: Transport,
    options: { validate?: boolean; lastEventId?: string | undefined } = {},
  ) {
    this.#validate = options.validate ?? true;
    this.#lastEventId = options.lastEventId;
    this.#emitter = new TypedEmitter<StreamEventMap>((error, name) =>
      this.#handlerFailed(error, name),
    );
    this.#finished = new Promise((resolve) => {
      this.#resolveFinished = resolve;
    });
    const stream = this;
    const controller: StreamController = {
      signal: this.#abort.signal,
      get lastEventId() {
        return stream.#lastEventId;
      },
      message: (m) => this.#message(m),
      cursor: (id) => {
        if (!this.#abort.signal.aborted) this.#lastEventId = id;
      },
      state: (s) => this.#setState(s),
      error: (e) => {
        if (!this.#abort.signal.aborted) this.#emitter.emit('error', e);
      },
      drained: () => this.#drained(),
    };
    queueMicrotask(() => {
      transport(controller).then(
        () => this.#finish(undefined),
        (error: unknown) => this.#finish(error),
      );
    });
  }

  /** The cursor of the last event received: pass it as `lastEventId` to resume elsewhere. */
  get lastEventId(): string | undefined {
    return this.#lastEventId;
  }

  /** The current connection state. */
  get state(): StreamState {
    return this.#state ?? 'connecting';
  }

  /** Resolves when the stream has closed: with the fatal error that closed it, or `undefined`. */
  get finished(): Promise<CauseFlowStreamError | undefined> {
    return this.#finished;
  }

  /**
   * Registers a typed handler; returns its unsubscribe function.
   * @example
   * const off = stream.on('incident.*', (e) => e.data.incidentId);
   */
  on<K extends keyof StreamEventMap>(name: K, handler: Handler<StreamEventMap[K]>): () => void {
    return this.#emitter.on(name, handler);
  }

  /** Closes the connection for good; iterators finish, state becomes `closed`. Idempotent. */
  close(): void {
    this.#finish(undefined);
  }

  /** Iterates the events from now until `close()`; breaking out of the loop closes the stream. */
  [Symbol.asyncIterator](): AsyncIterator<CauseFlowEvent> {
    const sub: Subscriber = { queue: [], wake: undefined, done: this.#abort.signal.aborted };
    this.#subscribers.add(sub);
    const next = async (): Promise<IteratorResult<CauseFlowEvent>> => {
      for (;;) {
        const event = sub.queue.shift();
        if (event !== undefined) {
          if (sub.queue.length <= HIGH_WATER_MARK / 2) this.#checkDrained();
          return { value: event, done: false };
        }
        if (sub.done || this.#abort.signal.aborted) {
          this.#subscribers.delete(sub);
          const fatal = this.#fatal;
          if (fatal && !sub.done) {
            sub.done = true;
            throw fatal;
          }
          sub.done = true;
          return { value: undefined, done: true };
        }
        await new Promise<void>((resolve) => {
          sub.wake = resolve;
        });
        sub.wake = undefined;
      }
    };
    return {
      next,
      return: async () => {
        sub.done = true;
        this.#subscribers.delete(sub);
        this.close();
        return { value: undefined, done: true };
      },
    };
  }

  // The hot path: one call per frame. It allocates nothing beyond the parsed payload on the way
  // to handlers (the rare invalid/unknown paths build their payloads in #invalid and #unknown).
  #message(message: SseMessage): void {
    if (this.#closed) return;
    const id = message.id;
    if (id !== undefined) this.#lastEventId = id === '' ? undefined : id;
    const name = message.event;
    if (name === 'ping') return;
    let payload: unknown;
    try {
      payload = JSON.parse(message.data);
    } catch {
      this.#invalid(message, [{ path: '', keyword: 'json', message: 'is not valid JSON' }]);
      return;
    }
    if (name === 'stream.reset') {
      this.#emitter.emit('reset', payload as StreamResetData);
      return;
    }
    const declared = (payload as { event?: unknown } | null)?.event;
    const eventName = typeof declared === 'string' ? declared : name;
    if (name !== undefined && typeof declared === 'string' && declared !== name) {
      this.#invalid(message, [
        {
          path: '/event',
          keyword: 'const',
          message: `does not match the SSE event field "${name}"`,
        },
      ]);
      return;
    }
    const wildcard = eventName === undefined ? undefined : DOMAIN_WILDCARD.get(eventName);
    if (wildcard === undefined) {
      this.#emitter.emit('unknown', {
        event: eventName ?? 'message',
        data: payload,
        ...(id ? { id } : {}),
      });
      return;
    }
    if (this.#validate) {
      const result = validateEvent(payload, { mode: 'tolerant' });
      if (!result.ok) {
        this.#invalid(message, result.errors);
        return;
      }
    }
    this.#deliver(payload as CauseFlowEvent, wildcard);
  }

  #invalid(message: SseMessage, errors: readonly ValidationIssue[]): void {
    this.#emitter.emit('invalid', {
      raw: message.data,
      errors,
      ...(message.event === undefined ? {} : { event: message.event }),
      ...(message.id ? { id: message.id } : {}),
    });
  }

  #deliver(event: CauseFlowEvent, wildcard: string): void {
    const emitter = this.#emitter as unknown as TypedEmitter<Record<string, CauseFlowEvent>>;
    emitter.emit(event.event, event);
    emitter.emit(wildcard, event);
    emitter.emit('*', event);
    if (this.#subscribers.size === 0) return;
    for (const sub of this.#subscribers) {
      if (sub.done) continue;
      sub.queue.push(event);
      sub.wake?.();
    }
  }

  #setState(state: StreamState): void {
    if (this.#state === state || this.#state === 'closed') return;
    if (this.#abort.signal.aborted && state !== 'closed') return;
    this.#state = state;
    this.#emitter.emit('state', state);
  }

  #drained(): Promise<void> | undefined {
    if (!this.#backlogged()) return undefined;
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  #backlogged(): boolean {
    if (this.#abort.signal.aborted) return false;
    for (const sub of this.#subscribers)
      if (!sub.done && sub.queue.length > HIGH_WATER_MARK) return true;
    return false;
  }

  #checkDrained(): void {
    if (this.#drainWaiters.length === 0 || this.#backlogged()) return;
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const resolve of waiters) resolve();
  }

  #finish(error: unknown): void {
    if (this.#abort.signal.aborted) return;
    if (error !== undefined) {
      this.#fatal =
        error instanceof CauseFlowStreamError
          ? error
          : new CauseFlowStreamError('stream transport failed', {
              code: 'internal',
              fatal: true,
              cause: error,
            });
      this.#emitter.emit('error', this.#fatal);
    }
    this.#closed = true;
    this.#abort.abort();
    this.#setState('closed');
    for (const sub of this.#subscribers) sub.wake?.();
    for (const resolve of this.#drainWaiters) resolve();
    this.#drainWaiters = [];
    this.#resolveFinished(this.#fatal);
  }

  #handlerFailed(error: unknown, name: keyof StreamEventMap): void {
    if (name === 'error' || this.#emitter.count('error') === 0) {
      // Like an EventEmitter without an 'error' listener: surface it rather than swallow it.
      queueMicrotask(() => {
        throw error;
      });
      return;
    }
    this.#emitter.emit(
      'error',
      new CauseFlowStreamError(`a "${String(name)}" handler threw`, {
        code: 'handler_error',
        cause: error,
      }),
    );
  }
}
