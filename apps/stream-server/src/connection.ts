/**
 * One open SSE stream. Owns its response: writes with backpressure (bounded queue, closed as a
 * slow consumer beyond `maxBufferedBytes`), buffers live events while a replay runs, joins the
 * two without gap or duplicate. `close()` is the one place of cleanup. Token expiry is watched by
 * the hub (one timer for every connection), which calls `close('token_expired')`.
 */
import type { ServerResponse } from 'node:http';
import type { StoredEvent } from '@causeflow/bus';
import type { Logger } from 'pino';
import type { DisconnectReason } from './metrics.js';
import { formatRetry } from './sse.js';

/** Decides whether a stored event belongs on this stream (`events=` and `incidentId=` filters). */
export type EventPredicate = (stored: StoredEvent) => boolean;

/** What every connection of one app shares: made once, so a connection holds one reference. */
export interface StreamConnectionShared {
  /** Queued bytes beyond which a connection is closed with reason `slow_consumer`. */
  readonly maxBufferedBytes: number;
  /** Orders two cursors of a tenant (the log's `compareCursors`). */
  readonly compareCursors: (a: string, b: string) => number;
  readonly now: () => number;
  readonly logger: Logger;
  /** Called exactly once when a connection closes (unregister, metrics). */
  readonly onClose: (connection: StreamConnection, reason: DisconnectReason) => void;
  /**
   * Called with the number of event frames a connection wrote by itself (replay and the flush at
   * the replay/live join). Live fan-out is counted by the hub, once per event.
   */
  readonly onDelivered: (count: number) => void;
}

/** Options of a `StreamConnection`: only what is specific to this stream. */
export interface StreamConnectionOptions {
  readonly res: ServerResponse;
  readonly tenantId: string;
  /** The stream's filters; `undefined` when it takes every event of its tenant. */
  readonly filter: EventPredicate | undefined;
  /** True while a replay runs: live events are buffered until `goLive`. */
  readonly replaying: boolean;
  /** Token `exp` in ms since the epoch; the hub closes the stream then. */
  readonly expiresAtMs: number;
  readonly shared: StreamConnectionShared;
}

/**
 * `replaying`: live events are buffered. `joining`: replay ended; live events are compared with
 * the last replayed cursor until the first newer one (a log may deliver live an event that replay
 * already read). `live`: every event the hub hands over is newer, so it is written as is.
 */
type State = 'replaying' | 'joining' | 'live' | 'closed';

/** An open SSE response plus its delivery state. */
export class StreamConnection {
  readonly tenantId: string;
  /** The stream's filters (`undefined`: none); the hub skips matching when absent. */
  readonly filter: EventPredicate | undefined;
  readonly expiresAtMs: number;
  readonly openedAt: number;
  readonly #res: ServerResponse;
  readonly #shared: StreamConnectionShared;
  #state: State;
  /** Live events that arrived during replay, with their shared frames. */
  #buffered: { stored: StoredEvent; frame: Buffer }[] = [];
  #bufferedBytes = 0;
  /** Chunks waiting for the socket to drain. */
  #queue: (Buffer | string)[] = [];
  #queuedBytes = 0;
  #waitingForDrain = false;
  /** Cursor of the newest event replayed (or skipped by replay); `null` once live. */
  #lastCursor: string | null = null;
  /** Resolvers of `writable()` waiting for the queue to empty. */
  #drainWaiters: (() => void)[] = [];

  constructor(options: StreamConnectionOptions) {
    this.tenantId = options.tenantId;
    this.filter = options.filter;
    this.expiresAtMs = options.expiresAtMs;
    this.#res = options.res;
    this.#shared = options.shared;
    this.openedAt = options.shared.now();
    this.#state = options.replaying ? 'replaying' : 'live';
    this.#res.on('close', () => this.close('client_closed'));
    this.#res.on('drain', () => this.#flushQueue());
  }

  /** True once closed. */
  get closed(): boolean {
    return this.#state === 'closed';
  }

  /** Bytes waiting to be written: our queue, the replay buffer and the response's own buffer. */
  get pendingBytes(): number {
    if (this.#state === 'closed') return 0;
    return this.#queuedBytes + this.#bufferedBytes + this.#res.writableLength;
  }

  /**
   * Sends the status line, the SSE headers and the `retry:` field. Call once, right after the
   * connection was registered for live events.
   */
  open(retryMs: number, headers: Record<string, string>): void {
    const res = this.#res;
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
    if (this.#drainWaiters.length === 0) return;
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Whether `stored` passes this stream's filters. */
  matches(stored: StoredEvent): boolean {
    return this.filter === undefined || this.filter(stored);
  }

  /**
   * Takes a live event (already filtered) and its frame, serialised once for every connection.
   * Buffered during replay; at the join, dropped when not newer than what replay already sent.
   * Returns true when the frame was written (or queued) now — what the hub counts as delivered.
   */
  deliverLive(stored: StoredEvent, frame: Buffer): boolean {
    const state = this.#state;
    if (state === 'live') return this.write(frame);
    if (state === 'closed') return false;
    if (state === 'replaying') {
      this.#bufferedBytes += frame.length;
      this.#buffered.push({ stored, frame });
      // The same per-connection bound as the write queue: buffer, queue and socket together.
      if (this.pendingBytes > this.#shared.maxBufferedBytes) this.close('slow_consumer');
      return false;
    }
    // joining
    if (
      this.#lastCursor !== null &&
      this.#shared.compareCursors(stored.cursor, this.#lastCursor) <= 0
    )
      return false;
    // Live events come in append order: everything after this one is newer as well.
    this.#state = 'live';
    this.#lastCursor = null;
    return this.write(frame);
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
    if (ok) this.#shared.onDelivered(1);
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
    return this.#shared.compareCursors(this.#lastCursor, first.stored.cursor) >= 0;
  }

  /**
   * Ends the replay: flushes the live events buffered meanwhile that are newer than the last
   * replayed cursor (or than `since` when nothing was replayed), then continues live.
   */
  goLive(since: string | null): void {
    if (this.#state !== 'replaying') return;
    if (this.#lastCursor === null) this.#lastCursor = since;
    this.#state = this.#lastCursor === null ? 'live' : 'joining';
    const buffered = this.#buffered;
    this.#buffered = [];
    this.#bufferedBytes = 0;
    let delivered = 0;
    for (const { stored, frame } of buffered) if (this.deliverLive(stored, frame)) delivered += 1;
    if (delivered > 0) this.#shared.onDelivered(delivered);
  }

  /**
   * Writes a chunk, respecting backpressure: once `res.write` returns false, chunks queue until
   * `drain`. Beyond `maxBufferedBytes` queued the connection closes as `slow_consumer`.
   * Returns false when the chunk was not accepted (connection closed).
   */
  write(chunk: Buffer | string): boolean {
    if (this.#state === 'closed') return false;
    if (this.#waitingForDrain) {
      this.#queue.push(chunk);
      this.#queuedBytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
      if (this.pendingBytes > this.#shared.maxBufferedBytes) {
        this.close('slow_consumer');
        return false;
      }
      return true;
    }
    if (!this.#res.write(chunk)) this.#waitingForDrain = true;
    return true;
  }

  #flushQueue(): void {
    const res = this.#res;
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

  /**
   * Closes the stream, once: drops queued data, notifies the registry (which also stops watching
   * the token expiry). A stalled or slow socket is destroyed; otherwise the response ends cleanly.
   */
  close(reason: DisconnectReason): void {
    if (this.#state === 'closed') return;
    const stalled = this.#waitingForDrain || this.#queue.length > 0;
    this.#state = 'closed';
    this.#queue = [];
    this.#queuedBytes = 0;
    this.#buffered = [];
    this.#bufferedBytes = 0;
    this.#lastCursor = null;
    this.#releaseDrainWaiters();
    const res = this.#res;
    if (reason === 'slow_consumer' || reason === 'error' || stalled) res.destroy();
    else if (!res.writableEnded) {
      // End the chunked body cleanly, then close the socket instead of keeping it alive, so the
      // client's reconnect opens a new connection (to another instance when draining).
      res.end();
      res.socket?.destroySoon();
    }
    const { logger, now, onClose } = this.#shared;
    logger.debug(
      { tenantId: this.tenantId, reason, durationMs: now() - this.openedAt },
      'stream closed',
    );
    onClose(this, reason);
  }
}
