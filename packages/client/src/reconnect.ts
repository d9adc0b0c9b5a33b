/**
 * The one reconnect loop both transports (fetch streaming and the native EventSource with tickets)
 * run: connect, report the outcome, back off with full jitter, try again. A connection that
 * delivered data resets the backoff; a server `Retry-After` is added to the delay; a fatal error
 * ends the loop. The transports only say how to make one connection.
 */
import { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF } from './backoff.js';
import { CauseFlowStreamError } from './errors.js';
import { sleep } from './shared.js';
import type { StreamState } from './stream.js';

/** What one connection attempt ended with. */
export interface AttemptOutcome {
  /** At least one message (event or ping) arrived on this connection. */
  readonly receivedData: boolean;
  /** Why it ended, when it was not a clean end of the response. */
  readonly error?: CauseFlowStreamError;
}

/** Inputs of `runReconnectLoop`. */
export interface ReconnectLoopOptions {
  /** Aborting it ends the loop (and the attempt under way, which the transport watches). */
  readonly signal: AbortSignal;
  readonly backoff?: Partial<BackoffOptions> | undefined;
  /** Makes one connection and resolves when it has ended; throws a fatal error to stop. */
  connect(): Promise<AttemptOutcome>;
  state(state: StreamState): void;
  error(error: CauseFlowStreamError): void;
  /** Waits between attempts (injected by tests; default: an abortable timer). */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly random?: () => number;
}

/** A loop's backoff base; the server's `retry:` field replaces `initialMs` while it runs. */
export interface ReconnectLoop {
  /** Sets the backoff base (the SSE `retry:` field). */
  setRetry(ms: number): void;
  /** Resolves when `signal` aborts; rejects with the fatal error that stopped the loop. */
  readonly done: Promise<void>;
}

/**
 * Starts the reconnect loop.
 * @example
 * const loop = runReconnectLoop({ signal, connect: () => connectOnce(), state, error });
 * await loop.done;
 */
export function runReconnectLoop(options: ReconnectLoopOptions): ReconnectLoop {
  const bounds = {
    initialMs: options.backoff?.initialMs ?? DEFAULT_BACKOFF.initialMs,
    maxMs: options.backoff?.maxMs ?? DEFAULT_BACKOFF.maxMs,
  };
  const wait = options.sleep ?? sleep;
  const { signal } = options;
  const run = async (): Promise<void> => {
    let attempt = 0;
    let first = true;
    while (!signal.aborted) {
      options.state(first ? 'connecting' : 'reconnecting');
      first = false;
      const outcome = await attemptOnce(options.connect, signal);
      if (signal.aborted) return;
      if (outcome.receivedData) attempt = 0;
      if (outcome.error) options.error(outcome.error);
      options.state('reconnecting');
      const delay =
        (outcome.error?.retryAfterMs ?? 0) + backoffDelay(attempt, bounds, options.random);
      attempt += 1;
      await wait(delay, signal);
    }
  };
  return {
    setRetry: (ms) => {
      bounds.initialMs = ms;
    },
    // Started on the next microtask, so the caller holds the loop before `connect` first runs.
    done: Promise.resolve().then(run),
  };
}

/** Runs one attempt; a non-fatal `CauseFlowStreamError` thrown by it becomes its outcome. */
async function attemptOnce(
  connect: () => Promise<AttemptOutcome>,
  signal: AbortSignal,
): Promise<AttemptOutcome> {
  try {
    return await connect();
  } catch (error) {
    if (signal.aborted) return { receivedData: false };
    if (error instanceof CauseFlowStreamError && !error.fatal) {
      return { receivedData: false, error };
    }
    throw error;
  }
}
