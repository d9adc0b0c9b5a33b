/**
 * One open SSE stream. Owns its response: writes with backpressure (bounded queue, closed as a
 * slow consumer beyond `maxBufferedBytes`), buffers live events while a replay runs, joins the
 * two without gap or duplicate, ends at token expiry. `close()` is the one place of cleanup.
 */
import type { ServerResponse } from 'node:http';
import type { StoredEvent } from '@causeflow/bus';
import type { Logger } from 'pino';
import type { DisconnectReason } from './metrics.js';
import { formatRetry } from './sse.js';

/** Decides whether a stored event belongs on this stream (`events=` and `incidentId=` filters). */
export type EventPredicate = (stored: StoredEvent) => boolean;

/** Options of a `StreamConnection`. */
export interface StreamConnectionOptions {
  readonly res: ServerResponse;
  readonly tenantId: string;
  readonly matches: EventPredicate;
  /** Queued bytes beyond which the connection is closed with reason `slow_consumer`. */
  readonly maxBufferedBytes: number;
  /** Orders two cursors of the tenant (the log's `compareCursors`). */
  readonly compareCursors: (a: string, b: string) => number;
  /** True while a replay runs: live events are buffered until `goLive`. */
  readonly replaying: boolean;
  /** Token `exp` in ms since the epoch; the stream ends then. */
  readonly expiresAtMs: number;
  readonly now: () => number;
  readonly logger: Logger;
  /** Called exactly once when the connection closes (unregister, metrics). */
  readonly onClose: (connection: StreamConnection, reason: DisconnectReason) => void;
  /** Called with the number of event frames written (metrics). */
  readonly onDelivered: (count: number) => void;
}

const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** An open SSE response plus its delivery state. */
export class StreamConnection {
  readonly tenantId: string;
  readonly openedAt: number;
  #options: StreamConnectionOptions;
  #state: 'replaying' | 'live' | 'closed';
  /** Live events that arrived during replay, with their shared frames. */
  #buffered: { stored: StoredEvent; frame: Buffer }[] = [];
  #bufferedBytes = 0;
  /** Chunks waiting for the socket to drain. */
  #queue: (Buffer | string)[] = [];
  #queuedBytes = 0;
  #waitingForDrain = false;
  /** Cursor of the newest event written (or skipped by replay); later live copies are dropped. */
  #lastCursor: string | null = null;
  #expiryTimer: NodeJS.Timeout | undefined;
  /** Resolvers of `writable()` waiting for the queue to empty. */
  #drainWaiters: (() => void)[] = [];

  constructor(options: StreamConnectionOptions) {
    this.#options = options;
    this.tenantId = options.tenantId;
    this.openedAt = options.now();
    this.#state = options.replaying ? 'replaying' : 'live';
    const { res } = options;
    res.on('close', () => this.close('client_closed'));
    res.on('drain', () => this.#flushQueue());
    this.#armExpiry();
  }

  /** True once closed. */
  get closed(): boolean {
    return this.#state === 'closed';
  }

  /** Bytes waiting to be written: our queue, the replay buffer and the response's own buffer. */
  get pendingBytes(): number {
    if (this.#state === 'closed') return 0;
    return this.#queuedBytes + this.#bufferedBytes + this.#options.res.writableLength;
  }

  /**
   * Sends the status line, the SSE headers and the `retry:` field. Call once, right after the
   * connection was registered for live events.
   */
  open(retryMs: number, headers: Record<string, string>): void {
    const { res } = this.#options;
    res.writeHead(200, headers);
    res.socket?.setNoDelay(true);
    this.write(formatRetry(retryMs));
  }

  /** True until `goLive`: live events are being buffered while a replay runs. */
  get replaying(): boolean {
    return this.#state === 'replaying';
  }

  /** True while writes are being queued because the socket has not drained. */
  get needsDrain(): boolean {
    return this.#waitingForDrain;
  }

  /** Resolves once the write queue is empty (or the connection closed): replay awaits it. */
  writable(): Promise<void> {
    if (!this.#waitingForDrain || this.#state === 'closed') return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  #releaseDrainWaiters(): void {
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Whether `stored` passes this stream's filters. */
  matches(stored: StoredEvent): boolean {
    return this.#options.matches(stored);
  }

  /**
   * Takes a live event (already filtered) and its frame, serialised once for every connection.
   * Buffered during replay; dropped when not newer than what replay already sent.
   */
  deliverLive(stored: StoredEvent, frame: Buffer): void {
    if (this.#state === 'closed') return;
    if (this.#state === 'replaying') {
      this.#bufferedBytes += frame.length;
      this.#buffered.push({ stored, frame });
      if (this.#bufferedBytes > this.#options.maxBufferedBytes) this.close('slow_consumer');
      return;
    }
    if (
      this.#lastCursor !== null &&
      this.#options.compareCursors(stored.cursor, this.#lastCursor) <= 0
    )
      return;
    this.#lastCursor = stored.cursor;
    if (this.write(frame)) this.#options.onDelivered(1);
  }

  /**
   * Writes a replayed event's frame (or only records its cursor when `frame` is undefined, i.e.
   * the event did not pass the filters). Returns false once the connection is closed.
   */
  deliverReplayed(cursor: string, frame: Buffer | string | undefined): boolean {
    if (this.#state === 'closed') return false;
    this.#lastCursor = cursor;
    if (frame === undefined) return true;
    const ok = this.write(frame);
    if (ok) this.#options.onDelivered(1);
    return ok;
  }

  /**
   * True when replay has reached the oldest live event buffered since registration: everything
   * after it is in the buffer already, so replay can stop without waiting for an empty page
   * (a busy tenant would otherwise keep a replay chasing the tail).
   */
  get replayCaughtUp(): boolean {
    const first = this.#buffered[0];
    if (this.#state !== 'replaying' || first === undefined || this.#lastCursor === null)
      return false;
    return this.#options.compareCursors(this.#lastCursor, first.stored.cursor) >= 0;
  }

  /**
   * Ends the replay: flushes the live events buffered meanwhile that are newer than the last
   * replayed cursor (or than `since` when nothing was replayed), then continues live.
   */
  goLive(since: string | null): void {
    if (this.#state !== 'replaying') return;
    this.#state = 'live';
    if (this.#lastCursor === null) this.#lastCursor = since;
    const buffered = this.#buffered;
    this.#buffered = [];
    this.#bufferedBytes = 0;
    for (const { stored, frame } of buffered) this.deliverLive(stored, frame);
  }

  /**
   * Writes a chunk, respecting backpressure: once `res.write` returns false, chunks queue until
   * `drain`. Beyond `maxBufferedBytes` queued the connection closes as `slow_consumer`.
   * Returns false when the chunk was not accepted (connection closed).
   */
  write(chunk: Buffer | string): boolean {
    if (this.#state === 'closed') return false;
    const { res } = this.#options;
    if (this.#waitingForDrain) {
      this.#queue.push(chunk);
      this.#queuedBytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
      if (this.pendingBytes > this.#options.maxBufferedBytes) {
        this.close('slow_consumer');
        return false;
      }
      return true;
    }
    if (!res.write(chunk)) this.#waitingForDrain = true;
    return true;
  }

  #flushQueue(): void {
    const { res } = this.#options;
    this.#waitingForDrain = false;
    while (this.#queue.length > 0 && this.#state !== 'closed') {
      const chunk = this.#queue.shift()!;
      this.#queuedBytes -= typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
      if (!res.write(chunk)) {
        this.#waitingForDrain = true;
        return;
      }
    }
    this.#releaseDrainWaiters();
  }

  #armExpiry(): void {
    const delay = this.#options.expiresAtMs - this.#options.now();
    if (delay <= 0) {
      queueMicrotask(() => this.close('token_expired'));
      return;
    }
    this.#expiryTimer = setTimeout(
      () => {
        if (this.#options.now() >= this.#options.expiresAtMs) this.close('token_expired');
        else this.#armExpiry();
      },
      Math.min(delay, MAX_TIMEOUT_MS),
    );
  }

  /**
   * Closes the stream, once: stops the expiry timer, drops queued data, notifies the registry.
   * A stalled or slow socket is destroyed; otherwise the response ends cleanly.
   */
  close(reason: DisconnectReason): void {
    if (this.#state === 'closed') return;
    const stalled = this.#waitingForDrain || this.#queue.length > 0;
    this.#state = 'closed';
    clearTimeout(this.#expiryTimer);
    this.#queue = [];
    this.#queuedBytes = 0;
    this.#buffered = [];
    this.#bufferedBytes = 0;
    this.#releaseDrainWaiters();
    const { res } = this.#options;
    if (reason === 'slow_consumer' || reason === 'error' || stalled) res.destroy();
    else if (!res.writableEnded) {
      // End the chunked body cleanly, then close the socket instead of keeping it alive, so the
      // client's reconnect opens a new connection (to another instance when draining).
      res.end();
      res.socket?.destroySoon();
    }
    this.#options.logger.debug(
      { tenantId: this.tenantId, reason, durationMs: this.#options.now() - this.openedAt },
      'stream closed',
    );
    this.#options.onClose(this, reason);
  }
}
