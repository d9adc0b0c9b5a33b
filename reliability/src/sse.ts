/**
 * A resuming SSE follower written for the checks (plain fetch + eventsource-parser): it follows
 * one tenant's stream across disconnects and servers with `Last-Event-ID`, and keeps the books
 * the checks need — ids received, duplicates, foreign-tenant deliveries, resets, reconnects.
 */
import { createParser } from 'eventsource-parser';

/** Matches the canary marker embedded in event payloads: `CANARY~<tenantId>~`. */
const CANARY = /CANARY~(ten_[A-Za-z0-9_]+)~/g;

/**
 * The marker to embed in a tenant's payloads; any other tenant seeing it is a leak.
 * @example
 * title: `${canary('ten_a')} checkout down`
 */
export function canary(tenantId: string): string {
  return `CANARY~${tenantId}~`;
}

/** One delivered event as the follower saw it. */
export interface Delivered {
  readonly id: string;
  readonly cursor: string;
  readonly event: string;
  readonly receivedAt: number;
  readonly envelope: Record<string, unknown>;
}

/** Options of a `Follower`. */
export interface FollowerOptions {
  /** Server base URLs; the follower moves to the next one when a connection fails. */
  readonly urls: readonly string[];
  readonly tenantId: string;
  /** Bearer token, or a function giving one per connection (e.g. a fresh ticket's query). */
  readonly token: string;
  /** Extra query string (without `?`), e.g. `events=incident.*`. */
  readonly query?: string;
  /** Start after this cursor (first connection). */
  readonly lastEventId?: string;
  /** Delay before reconnecting, ms (default 20). */
  readonly retryMs?: number;
  /** Called for every catalog event delivered. */
  readonly onEvent?: (delivered: Delivered) => void;
  /** Keep the envelopes (memory!) — default false: only ids and cursors are kept. */
  readonly keepEnvelopes?: boolean;
}

/** Follows one tenant's stream until `stop()`. */
export class Follower {
  readonly tenantId: string;
  /** Event ids in arrival order (first delivery only). */
  readonly ids: string[] = [];
  readonly idSet = new Set<string>();
  /** Envelopes when `keepEnvelopes`. */
  readonly delivered: Delivered[] = [];
  /** Events whose `id` was already received (includes `redeliveries`). */
  duplicates = 0;
  /** Frames whose cursor was already received: the server sent the same log entry twice. */
  redeliveries = 0;
  /** Distinct cursors seen (to tell redeliveries from duplicate appends of one id). */
  readonly cursors = new Set<string>();
  /** Events whose envelope `tenantId` is not this follower's tenant. */
  foreignTenant = 0;
  /** Canary markers of another tenant seen in this stream's data. */
  foreignCanaries = 0;
  /** `stream.reset` control events received. */
  resets = 0;
  /** Successful connections (200 text/event-stream). */
  connects = 0;
  /** Failed connection attempts (network error or non-200). */
  failures = 0;
  /** Statuses of refused attempts. */
  readonly refusals = new Map<number, number>();
  lastCursor: string | undefined;
  /** When the first stream opened / the most recent one opened (ms). */
  firstOpenAt: number | undefined;
  lastOpenAt: number | undefined;
  #options: FollowerOptions;
  #urlIndex = 0;
  #controller: AbortController | undefined;
  #stopped = false;
  #open = false;
  #loop: Promise<void> | undefined;
  #onOpen: (() => void)[] = [];

  constructor(options: FollowerOptions) {
    this.#options = options;
    this.tenantId = options.tenantId;
    this.lastCursor = options.lastEventId;
  }

  /** True while a stream is open. */
  get open(): boolean {
    return this.#open;
  }

  /** Number of distinct events received. */
  get count(): number {
    return this.ids.length;
  }

  /** Starts following; resolves once the first stream is open. */
  start(): Promise<void> {
    const opened = this.opened();
    this.#loop = this.#run();
    return opened;
  }

  /** Resolves the next time a stream opens (immediately if one is open). */
  opened(): Promise<void> {
    if (this.#open) return Promise.resolve();
    return new Promise((resolve) => this.#onOpen.push(resolve));
  }

  /** Drops the current connection (the follower reconnects with its cursor). */
  drop(): void {
    this.#controller?.abort();
  }

  /** Points the follower at other servers (takes effect at the next reconnect). */
  retarget(urls: readonly string[]): void {
    this.#options = { ...this.#options, urls };
    this.#urlIndex = 0;
  }

  /** Stops following and waits for the loop to end. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#controller?.abort();
    await this.#loop;
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      try {
        await this.#connectOnce();
      } catch {
        // network error or abort: counted below, then retried
      }
      this.#open = false;
      if (this.#stopped) return;
      await new Promise((resolve) =>
        setTimeout(resolve, (this.#options.retryMs ?? 20) * (0.5 + Math.random())),
      );
    }
  }

  async #connectOnce(): Promise<void> {
    const { urls, token, query } = this.#options;
    const base = urls[this.#urlIndex % urls.length]!;
    const controller = new AbortController();
    this.#controller = controller;
    const headers: Record<string, string> = {
      Accept: 'text/event-stream',
      Authorization: `Bearer ${token}`,
    };
    if (this.lastCursor !== undefined) headers['Last-Event-ID'] = this.lastCursor;
    let response: Response;
    try {
      response = await fetch(`${base}/v1/notifications/stream${query ? `?${query}` : ''}`, {
        headers,
        signal: controller.signal,
      });
    } catch (error) {
      if (!this.#stopped) {
        this.failures += 1;
        this.#urlIndex += 1;
      }
      throw error;
    }
    const type = response.headers.get('content-type') ?? '';
    if (
      response.status !== 200 ||
      !type.startsWith('text/event-stream') ||
      response.body === null
    ) {
      this.failures += 1;
      this.refusals.set(response.status, (this.refusals.get(response.status) ?? 0) + 1);
      this.#urlIndex += 1;
      await response.body?.cancel().catch(() => undefined);
      return;
    }
    this.connects += 1;
    const now = Date.now();
    this.firstOpenAt ??= now;
    this.lastOpenAt = now;
    this.#open = true;
    for (const resolve of this.#onOpen.splice(0)) resolve();
    const parser = createParser({
      onEvent: (message) => this.#onMessage(message.event, message.id, message.data),
    });
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.feed(decoder.decode(value, { stream: true }));
      }
    } finally {
      this.#open = false;
      controller.abort();
    }
  }

  #onMessage(event: string | undefined, cursor: string | undefined, data: string): void {
    if (event === 'ping') return;
    if (event === 'stream.reset') {
      this.resets += 1;
      return;
    }
    for (const match of data.matchAll(CANARY))
      if (match[1] !== this.tenantId) this.foreignCanaries += 1;
    const envelope = JSON.parse(data) as Record<string, unknown>;
    if (envelope.tenantId !== this.tenantId) this.foreignTenant += 1;
    if (cursor !== undefined) {
      this.lastCursor = cursor;
      if (this.cursors.has(cursor)) this.redeliveries += 1;
      else this.cursors.add(cursor);
    }
    const id = String(envelope.id);
    if (this.idSet.has(id)) {
      this.duplicates += 1;
      return;
    }
    this.idSet.add(id);
    this.ids.push(id);
    const delivered: Delivered = {
      id,
      cursor: cursor ?? '',
      event: event ?? 'message',
      receivedAt: Date.now(),
      envelope,
    };
    if (this.#options.keepEnvelopes) this.delivered.push(delivered);
    this.#options.onEvent?.(delivered);
  }
}
