/**
 * The live half of the Redis event log: one subscriber connection per instance on the
 * notification channel, delivering each tenant's events once and in order. It detects gaps (a
 * lost notification) by each notification's predecessor id and reads what is missing; after a
 * subscriber outage it catches up every tenant it delivered before and discovers, in the tenant
 * index, tenants it never delivered that were appended to meanwhile. Reads go through a
 * `FanoutSource` (the `RedisLog`), so the fan-out can be tested on its own.
 */
import type { Redis } from 'ioredis';
import { compareStreamIds, formatStreamCursor, streamIdMs } from './cursor.js';
import {
  type CodecReporter,
  type CorruptSource,
  type Notification,
  parseNotification,
} from './redis-codec.js';
import { OutageReporter, quit, type SubscriberSource } from './redis-connection.js';
import type { BusLogger, StoredEvent } from './types.js';

/** One page of a catch-up read. */
export interface CatchUpPage {
  /** Epoch of the tenant's stream now; '' when the tenant has no data at all. */
  readonly epoch: string;
  /** The readable events of the page, in order (unreadable entries are left out). */
  readonly events: readonly StoredEvent[];
  /** Stream id of the last entry read, readable or not; '' when none was read. */
  readonly lastId: string;
  /** Entries read, readable or not: fewer than asked means the end of the stream. */
  readonly read: number;
}

/** The reads the fan-out needs from the log. Both throw while Redis cannot be reached. */
export interface FanoutSource {
  /**
   * Up to `count` entries of a tenant's stream after `afterId` when its epoch is still `epoch`
   * (or `epoch` is '': a tenant discovered after an outage, read from a time bound in whatever
   * epoch it has); from the oldest entry when the epoch changed or `afterId` is ''.
   */
  readAfterId(
    tenantId: string,
    epoch: string,
    afterId: string,
    count: number,
  ): Promise<CatchUpPage>;
  /** Tenants appended to at or after `fromMs` (Redis time), from the tenant index. */
  tenantsSince(fromMs: number): Promise<string[]>;
}

/** Options of `RedisFanout`. */
export interface RedisFanoutOptions {
  /** Opens subscriber connections. */
  readonly subscribers: SubscriberSource;
  /** The notification channel. */
  readonly channel: string;
  /** Reads for catch-up and discovery. */
  readonly source: FanoutSource;
  /** Receives each batch to deliver, in per-tenant order. */
  readonly deliver: (batch: readonly StoredEvent[]) => void;
  readonly logger?: BusLogger;
  /** Called for each malformed notification or unreadable event in one (skipped). */
  readonly onCorrupt?: (source: CorruptSource) => void;
  /** Entries per catch-up read (default 500). */
  readonly catchUpPage?: number;
}

/** What the fan-out knows about a tenant it has delivered events of (or is about to). */
interface Feed {
  /** Epoch of `last`; '' for a tenant discovered after an outage and not read yet. */
  epoch: string;
  /**
   * Stream id of the last event delivered ('' = none in this epoch). For a discovered tenant not
   * read yet: the exclusive time bound to read from (not necessarily an entry).
   */
  last: string;
  /** A catch-up read is running or scheduled: live notifications wait in `pending`. */
  catching: boolean;
  /** A catch-up pass is in progress (at most one per tenant). */
  running: boolean;
  /** Catch-up must run once more after the current pass (reconnect, gap or overflow meanwhile). */
  again: boolean;
  pending: Notification[];
}

const CATCH_UP_PAGE = 500;
const CATCH_UP_CONCURRENCY = 8;
const MAX_PENDING = 10_000;
const RETRY_MS = [100, 250, 500, 1_000, 2_000];
/** Stream ids can run behind the watermark this much (clock steps, skew between cluster nodes). */
const CLOCK_SLACK_MS = 1_000;
/** The largest sequence part of a stream id. */
const MAX_SEQ = '18446744073709551615';

/** A feed for a tenant not delivered yet, to be read from `fromMs` (inclusive) on. */
function discoveredFeed(fromMs: number): Feed {
  const last = `${fromMs - 1}-${MAX_SEQ}`;
  return { epoch: '', last, catching: true, running: false, again: false, pending: [] };
}

/** Holds a notification until a catch-up is done; on overflow drops them all and reads again. */
function hold(feed: Feed, note: Notification): void {
  if (feed.pending.length < MAX_PENDING) {
    feed.pending.push(note);
  } else {
    // Everything held is in the stream too: drop it and read once more.
    feed.pending = [];
    feed.again = true;
  }
}

/** The events of `note` from index `from` on, as stored events (unreadable ones left out). */
function storedOf(note: Notification, from: number): StoredEvent[] {
  const batch: StoredEvent[] = [];
  for (let k = from; k < note.i.length; k++) {
    const event = note.e[k];
    if (event) batch.push({ cursor: formatStreamCursor(note.p, note.i[k]!), event });
  }
  return batch;
}

/**
 * The fan-out of one log instance. Call `start()` once; `close()` stops it (the subscriber
 * connection is closed, timers cleared, nothing more delivered).
 */
export class RedisFanout {
  readonly #options: RedisFanoutOptions;
  readonly #logger: BusLogger | undefined;
  readonly #report: CodecReporter;
  readonly #outages: OutageReporter;
  readonly #page: number;
  /** The current subscriber connection (replaced when cluster mode moves to another node). */
  #subscriber: Redis | undefined;
  readonly #feeds = new Map<string, Feed>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #closed = false;
  #subscribedOnce = false;
  /** The fan-out subscription is in place on the current subscriber connection. */
  #subscribedNow = false;
  readonly #subscribed: Promise<void>;
  #resolveSubscribed!: () => void;
  /** Redis time (ms) when this instance first subscribed: older events are never delivered. */
  #startMs = 0;
  /** Newest stream time (ms) seen in a notification, or of the last completed resubscribe. */
  #watermarkMs = 0;
  /** While a reconnect looks for tenants it missed: the time bound (ms) to read them from. */
  #discoveryFromMs: number | undefined;
  /** Counts subscriber (re)connects; a discovery of an older one stops. */
  #generation = 0;

  constructor(options: RedisFanoutOptions) {
    this.#options = options;
    this.#logger = options.logger;
    this.#report = { logger: options.logger, onCorrupt: options.onCorrupt };
    this.#page = options.catchUpPage ?? CATCH_UP_PAGE;
    this.#outages = new OutageReporter('subscriber', options.logger, () => this.#closed);
    this.#subscribed = new Promise((resolve) => {
      this.#resolveSubscribed = resolve;
    });
  }

  /** Opens the subscriber connection; it subscribes on every (re)connect. */
  start(): void {
    const subscriber = this.#options.subscribers.open();
    this.#subscriber = subscriber;
    this.#outages.watch(subscriber);
    subscriber.on('ready', () => void this.#onSubscriberReady(subscriber));
    subscriber.on('close', () => {
      if (this.#subscriber === subscriber) this.#subscribedNow = false;
    });
    subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.#options.channel || this.#subscriber !== subscriber) return;
      try {
        this.#onNotification(message);
      } catch (err) {
        // Never thrown into ioredis (it would crash the process): report and go on.
        this.#logger?.error({ err }, 'redis notification handling failed; skipped');
      }
    });
    // ioredis gave up on this connection (cluster mode: this node): open the next one.
    subscriber.once('end', () => {
      if (this.#closed || this.#subscriber !== subscriber) return;
      const pause = this.#options.subscribers.nextPauseMs();
      if (pause !== undefined) this.#later(pause, () => this.start());
    });
  }

  /** The subscription has been in place at least once. */
  get subscribedOnce(): boolean {
    return this.#subscribedOnce;
  }

  /** The subscription is in place now (live notifications arrive). */
  get subscribedNow(): boolean {
    return this.#subscribedNow && !this.#closed;
  }

  /** Resolves once subscribed for the first time (or closed), or after `timeoutMs`. */
  async waitSubscribed(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.#subscribed,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }

  /** Stops delivering and closes the subscriber connection. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#resolveSubscribed();
    if (this.#subscriber) await quit(this.#subscriber);
  }

  /** Runs `task` after `ms` unless the fan-out is closed first. */
  #later(ms: number, task: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (!this.#closed) task();
    }, ms);
    this.#timers.add(timer);
  }

  #emit(batch: readonly StoredEvent[]): void {
    if (!this.#closed && batch.length > 0) this.#options.deliver(batch);
  }

  /**
   * (Re)subscribes on every (re)connect of the subscriber. After a reconnect it catches up every
   * tenant it has delivered, and looks in the tenant index for tenants appended to since the
   * watermark that it has never delivered, to read and deliver their missed events as well.
   */
  async #onSubscriberReady(subscriber: Redis): Promise<void> {
    if (this.#closed || subscriber !== this.#subscriber) return;
    const generation = ++this.#generation;
    const reconnect = this.#subscribedOnce;
    if (reconnect) {
      // Hold live notifications until the catch-up reads are done; those of tenants without a
      // feed too, until the discovery has run (keeps an unfinished discovery's bound).
      for (const feed of this.#feeds.values()) feed.catching = true;
      this.#discoveryFromMs ??= Math.max(this.#watermarkMs - CLOCK_SLACK_MS, this.#startMs);
    }
    let nowMs: number;
    try {
      // Redis time, taken before SUBSCRIBE on the same connection (no command after it in RESP2).
      const [seconds, micros] = await subscriber.time();
      nowMs = Number(seconds) * 1_000 + Math.floor(Number(micros) / 1_000);
      await subscriber.subscribe(this.#options.channel);
    } catch (err) {
      // The connection dropped again; the next 'ready' retries.
      this.#logger?.warn({ err }, 'redis subscribe failed');
      return;
    }
    if (generation !== this.#generation || this.#closed) return;
    this.#subscribedOnce = true;
    this.#subscribedNow = true;
    this.#resolveSubscribed();
    if (!reconnect) {
      this.#startMs = nowMs;
      this.#watermarkMs = Math.max(this.#watermarkMs, nowMs);
      return;
    }
    const tenants = [...this.#feeds.keys()];
    this.#logger?.info({ tenants: tenants.length }, 'redis fan-out resubscribed; catching up');
    await Promise.all([this.#catchUpAll(tenants), this.#discover(generation, nowMs)]);
  }

  /** Catches up `tenants`, a few at a time. */
  async #catchUpAll(tenants: string[]): Promise<void> {
    const worker = async () => {
      for (let t = tenants.pop(); t !== undefined; t = tenants.pop()) await this.#catchUp(t);
    };
    await Promise.all(Array.from({ length: CATCH_UP_CONCURRENCY }, worker));
  }

  /**
   * Finds, in the tenant index, tenants appended to since the discovery bound that this instance
   * has no feed for, and catches them up from that bound. Retries with backoff while the command
   * connection is down, until a newer (re)connect of the subscriber takes over.
   */
  async #discover(generation: number, nowMs: number, attempt = 0): Promise<void> {
    const fromMs = this.#discoveryFromMs;
    if (fromMs === undefined || this.#closed || generation !== this.#generation) return;
    let found: string[];
    try {
      found = await this.#options.source.tenantsSince(fromMs);
    } catch (err) {
      if (this.#closed || generation !== this.#generation) return;
      const delay = RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]!;
      this.#logger?.warn({ err, delay }, 'redis tenant discovery failed; retrying');
      this.#later(delay, () => void this.#discover(generation, nowMs, attempt + 1));
      return;
    }
    if (this.#closed || generation !== this.#generation) return;
    const fresh: string[] = [];
    for (const tenantId of found) {
      if (this.#feeds.has(tenantId)) continue;
      this.#feeds.set(tenantId, discoveredFeed(fromMs));
      fresh.push(tenantId);
    }
    // Tenants first heard of while discovering are waiting with a fresh feed of their own.
    for (const [tenantId, feed] of this.#feeds) {
      if (feed.epoch === '' && !feed.running && !fresh.includes(tenantId)) fresh.push(tenantId);
    }
    this.#discoveryFromMs = undefined;
    this.#watermarkMs = Math.max(this.#watermarkMs, nowMs);
    if (fresh.length > 0) {
      this.#logger?.info({ tenants: fresh.length }, 'redis fan-out found tenants missed meanwhile');
    }
    await this.#catchUpAll(fresh);
  }

  #onNotification(message: string): void {
    const note = parseNotification(message, this.#report);
    if (!note) return;
    const newest = note.i[note.i.length - 1];
    if (newest) this.#watermarkMs = Math.max(this.#watermarkMs, streamIdMs(newest));
    const feed = this.#feeds.get(note.t);
    if (!feed) {
      if (this.#discoveryFromMs !== undefined) {
        // Events of this tenant may have been missed during the outage: hold this until read.
        const fresh = discoveredFeed(this.#discoveryFromMs);
        this.#feeds.set(note.t, fresh);
        hold(fresh, note);
        return;
      }
      // First events of this tenant since this instance subscribed.
      this.#feeds.set(note.t, {
        epoch: note.p,
        last: newest ?? '',
        catching: false,
        running: false,
        again: false,
        pending: [],
      });
      this.#emit(storedOf(note, 0));
      return;
    }
    if (feed.catching) {
      hold(feed, note);
      return;
    }
    if (!this.#deliverContiguous(feed, note)) {
      // A gap (a lost notification) or a new epoch (Redis lost its data): read what is missing.
      hold(feed, note);
      feed.catching = true;
      void this.#catchUp(note.t);
    }
  }

  /** Delivers the part of `note` after `feed.last` if it follows on directly; false on a gap. */
  #deliverContiguous(feed: Feed, note: Notification): boolean {
    if (note.p !== feed.epoch) return false;
    let from = 0;
    while (from < note.i.length && compareStreamIds(note.i[from]!, feed.last) <= 0) from++;
    if (from === note.i.length) return true; // already delivered
    const predecessor = from === 0 ? note.v : note.i[from - 1]!;
    if (predecessor !== feed.last) return false;
    feed.last = note.i[note.i.length - 1]!;
    this.#emit(storedOf(note, from));
    return true;
  }

  /**
   * Reads a tenant's stream after the last delivered event until the end, page by page,
   * delivering as it goes, then releases the notifications held meanwhile. Retries with backoff
   * while Redis is down.
   */
  async #catchUp(tenantId: string, attempt = 0): Promise<void> {
    const feed = this.#feeds.get(tenantId);
    if (!feed || this.#closed) return;
    feed.catching = true;
    if (feed.running) {
      feed.again = true;
      return;
    }
    feed.running = true;
    try {
      do {
        feed.again = false;
        if (!(await this.#readToEnd(tenantId, feed))) return;
        // Release the notifications held meanwhile. One that does not follow on means events
        // are missing: read again (the rest of what was held is in the stream as well).
        const held = feed.pending;
        feed.pending = [];
        for (const note of held) {
          if (!this.#deliverContiguous(feed, note)) {
            feed.again = true;
            break;
          }
        }
      } while (feed.again && !this.#closed);
      feed.catching = false;
      feed.running = false;
    } catch (err) {
      feed.running = false;
      if (this.#closed) return;
      const delay = RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]!;
      this.#logger?.warn({ err, tenantId, delay }, 'redis catch-up failed; retrying');
      this.#later(delay, () => void this.#catchUp(tenantId, attempt + 1));
    }
  }

  /**
   * Reads and delivers a tenant's stream after `feed.last`, every page, until the end. False
   * when the fan-out was closed meanwhile.
   */
  async #readToEnd(tenantId: string, feed: Feed): Promise<boolean> {
    for (;;) {
      const page = await this.#options.source.readAfterId(
        tenantId,
        feed.epoch,
        feed.last,
        this.#page,
      );
      if (this.#closed) return false;
      if (page.epoch === '') return true; // the tenant's data is gone; nothing to deliver
      if (page.epoch !== feed.epoch) {
        // A discovered tenant ('' epoch) keeps its time bound; a known one starts over.
        if (feed.epoch !== '') {
          this.#logger?.warn({ tenantId }, 'redis epoch changed; delivering the new stream');
          feed.last = '';
        }
        feed.epoch = page.epoch;
      }
      if (page.lastId !== '') feed.last = page.lastId;
      this.#emit(page.events);
      if (page.read < this.#page) return true;
    }
  }
}
