/**
 * REST catch-up: a full catch-up of N retained events (10,000 at full size) with
 * `GET /v1/events` pages (limit 100, the default, and 1000, the largest) beside the stream's replay
 * of the same events after `Last-Event-ID`, on the memory log and on the Redis Streams log, in the
 * same run against the same server process. Both clients run in this process, read the whole
 * body, parse every event's JSON and check every event's sequence number (no loss, duplicate or
 * reordering). Also a filtered catch-up (`events=` one kind of twenty), which scans the log in
 * bounded pages.
 */
import { createParser } from 'eventsource-parser';
import { catalogExamples, newRunTag } from '../events.js';
import { Session } from '../fanout/session.js';
import { median, metric } from '../harness/stats.js';
import {
  type BenchContext,
  BenchError,
  type Benchmark,
  type Metric,
  sized,
} from '../harness/types.js';
import type { ServerSpec } from '../workers/server.js';

const EVENTS_PATH = '/v1/events';
const STREAM_PATH = '/v1/notifications/stream';
/** The kind the filtered catch-up asks for (the catalog rotates through 20 kinds). */
const FILTER_KIND = 'incident.created';

/** Sequence number of a bench event id `evt_b<tenant>_<seq>_<run>`. */
function seqOf(event: unknown): number {
  const id = (event as { id?: unknown } | null)?.id;
  const match = typeof id === 'string' ? /^evt_b\d+_(\d+)_/.exec(id) : null;
  if (!match) throw new BenchError(`not a bench event: ${JSON.stringify(event).slice(0, 120)}`);
  return Number(match[1]);
}

/** How many of the bench events with sequence numbers `from … to` are of `kind`. */
function countOfKind(from: number, to: number, kind: string): number {
  const examples = catalogExamples();
  let n = 0;
  for (let seq = from; seq <= to; seq++) if (examples[seq % examples.length]!.event === kind) n++;
  return n;
}

/**
 * Checks that events arrive with sequence numbers exactly `first, first+1, …`; with `kind`, only
 * events of that kind, each the next one of that kind.
 */
class SequenceCheck {
  private last: number;
  count = 0;
  constructor(
    private readonly what: string,
    first: number,
    private readonly kind?: string,
  ) {
    this.last = first - 1;
  }
  add(event: unknown): void {
    const seq = seqOf(event);
    const ok =
      this.kind === undefined
        ? seq === this.last + 1
        : (event as { event?: unknown }).event === this.kind &&
          countOfKind(this.last + 1, seq - 1, this.kind) === 0 &&
          seq > this.last;
    if (!ok) throw new BenchError(`${this.what}: event ${seq} after ${this.last}`);
    this.last = seq;
    this.count += 1;
  }
}

interface CatchUp {
  readonly seconds: number;
  readonly pages: number;
  readonly events: number;
}

/** Pages `GET /v1/events` from `after` until `hasMore` is false. */
async function restCatchUp(
  base: string,
  auth: string,
  options: { after: string; limit: number; events?: string; check: SequenceCheck },
): Promise<CatchUp> {
  const started = performance.now();
  let after = options.after;
  let pages = 0;
  for (;;) {
    const query = new URLSearchParams({ after, limit: String(options.limit) });
    if (options.events) query.set('events', options.events);
    const res = await fetch(`${base}${EVENTS_PATH}?${query}`, { headers: { authorization: auth } });
    if (res.status !== 200)
      throw new BenchError(`GET ${EVENTS_PATH}: ${res.status} ${await res.text()}`);
    const page = (await res.json()) as {
      events: { cursor: string; event: unknown }[];
      next: string;
      hasMore: boolean;
      reset: boolean;
    };
    if (page.reset) throw new BenchError(`GET ${EVENTS_PATH}: unexpected reset`);
    pages += 1;
    for (const item of page.events) options.check.add(item.event);
    after = page.next;
    if (!page.hasMore) break;
  }
  return { seconds: (performance.now() - started) / 1000, pages, events: options.check.count };
}

/** Replays the stream after `lastEventId` until `count` events arrived, then disconnects. */
async function streamReplay(
  base: string,
  auth: string,
  options: { lastEventId: string; count: number; events?: string; check: SequenceCheck },
): Promise<CatchUp> {
  const started = performance.now();
  const controller = new AbortController();
  const query = options.events ? `?events=${encodeURIComponent(options.events)}` : '';
  const res = await fetch(`${base}${STREAM_PATH}${query}`, {
    headers: { authorization: auth, 'last-event-id': options.lastEventId },
    signal: controller.signal,
  });
  if (res.status !== 200 || !res.body) throw new BenchError(`stream: ${res.status}`);
  let failure: unknown;
  const parser = createParser({
    onEvent(message) {
      if (message.event === 'ping' || failure !== undefined) return;
      if (message.event === 'stream.reset') failure = new BenchError('stream: unexpected reset');
      else {
        try {
          options.check.add(JSON.parse(message.data));
        } catch (error) {
          failure = error;
        }
      }
    },
  });
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  while (options.check.count < options.count && failure === undefined) {
    const { value, done } = await reader.read();
    if (done) throw new BenchError(`stream ended after ${options.check.count} events`);
    parser.feed(decoder.decode(value, { stream: true }));
  }
  const seconds = (performance.now() - started) / 1000;
  controller.abort();
  await reader.cancel().catch(() => {});
  if (failure !== undefined) throw failure;
  return { seconds, pages: 1, events: options.check.count };
}

interface Measured {
  /** Per limit: each round's catch-up. */
  readonly rest: ReadonlyMap<number, CatchUp[]>;
  readonly stream: CatchUp[];
  readonly filteredRest: CatchUp[];
  readonly filteredStream: CatchUp[];
  readonly filteredCount: number;
}

/** Publishes 1 + `count` events, then catches up `rounds` times over REST and over the stream. */
async function measure(
  context: BenchContext,
  spec: ServerSpec,
  count: number,
  rounds: number,
): Promise<Measured> {
  const runTag = newRunTag();
  const session = await Session.start({ spec, clients: [], runTag, tenants: 1, maxConnections: 4 });
  try {
    context.progress(`${spec.bus}: publishing ${count + 1} events`);
    const [first] = await session.publish([1], { cursors: true });
    for (let left = count; left > 0; left -= 1000) await session.publish([Math.min(1000, left)]);
    const base = `http://127.0.0.1:${session.info.port}`;
    const auth = session.target(0).headers.authorization!;
    const after = first!;
    const rest = new Map<number, CatchUp[]>([
      [100, []],
      [1000, []],
    ]);
    const stream: CatchUp[] = [];
    const filteredRest: CatchUp[] = [];
    const filteredStream: CatchUp[] = [];
    let filteredCount = 0;
    // Round 0 warms both paths up (JIT, connection pools) and is not reported.
    for (let r = 0; r <= rounds; r++) {
      context.progress(
        r === 0
          ? `${spec.bus}: warm-up round`
          : `${spec.bus}: catch-up round ${r}/${rounds} of ${count} events`,
      );
      for (const [limit, runs] of rest) {
        const check = new SequenceCheck(`REST limit=${limit}`, 2);
        const run = await restCatchUp(base, auth, { after, limit, check });
        if (run.events !== count) throw new BenchError(`REST got ${run.events}/${count}`);
        if (r > 0) runs.push(run);
      }
      const replay = await streamReplay(base, auth, {
        lastEventId: after,
        count,
        check: new SequenceCheck('stream replay', 2),
      });
      if (r > 0) stream.push(replay);
      const filtered = await restCatchUp(base, auth, {
        after,
        limit: 1000,
        events: FILTER_KIND,
        check: new SequenceCheck('filtered REST', 2, FILTER_KIND),
      });
      filteredCount = filtered.events;
      const expected = countOfKind(2, count + 1, FILTER_KIND);
      if (filteredCount !== expected) {
        throw new BenchError(`filtered REST got ${filteredCount}/${expected} ${FILTER_KIND}`);
      }
      const filteredReplay = await streamReplay(base, auth, {
        lastEventId: after,
        count: filteredCount,
        events: FILTER_KIND,
        check: new SequenceCheck('filtered stream', 2, FILTER_KIND),
      });
      if (r > 0) {
        filteredRest.push(filtered);
        filteredStream.push(filteredReplay);
      }
    }
    return { rest, stream, filteredRest, filteredStream, filteredCount };
  } finally {
    await session.close();
  }
}

const perSecond = (runs: readonly CatchUp[], pick: (c: CatchUp) => number) =>
  median(runs.map((c) => pick(c) / c.seconds));

/** The metrics of one log: REST events/s per limit beside the stream's replay, pages/s. */
function metricsOf(label: string, m: Measured, count: number): Metric[] {
  const baselineLabel = `stream replay after Last-Event-ID (${label})`;
  const streamRate = perSecond(m.stream, (c) => c.events);
  const metrics: Metric[] = [];
  for (const [limit, runs] of m.rest) {
    metrics.push(
      metric({
        name: `${label}: catch-up of ${count} events, limit=${limit}: events per second`,
        unit: '/s',
        value: perSecond(runs, (c) => c.events),
        baseline: streamRate,
        baselineLabel,
        better: 'higher',
      }),
      metric({
        name: `${label}: catch-up of ${count} events, limit=${limit}: pages per second`,
        unit: '/s',
        value: perSecond(runs, (c) => c.pages),
        better: 'higher',
      }),
    );
  }
  metrics.push(
    metric({
      name: `${label}: filtered catch-up (events=${FILTER_KIND}, ${m.filteredCount} of ${count}): time`,
      unit: 'ms',
      value: median(m.filteredRest.map((c) => c.seconds)) * 1000,
      baseline: median(m.filteredStream.map((c) => c.seconds)) * 1000,
      baselineLabel: `filtered ${baselineLabel}`,
      better: 'lower',
    }),
  );
  return metrics;
}

/** The REST catch-up benchmark. */
export const rest: Benchmark = {
  name: 'rest',
  title: 'REST catch-up (GET /v1/events) vs the stream replay of the same events',
  async run(context) {
    const started = performance.now();
    const { options } = context;
    const count = sized(options, { smoke: 200, quick: 2000, full: 10_000 });
    const rounds = sized(options, { smoke: 1, quick: 1, full: 5 });
    const retention = count + 1000;
    const common = { kind: 'causeflow', heartbeatMs: 30_000, retention } as const;
    const memory = await measure(context, { ...common, bus: 'memory' }, count, rounds);
    const redis = await measure(
      context,
      {
        ...common,
        bus: 'redis',
        redisUrl: options.redisUrl,
        keyPrefix: `causeflow-bench:${newRunTag()}:`,
      },
      count,
      rounds,
    );
    const seconds = (m: Measured) =>
      [...m.rest.entries()]
        .map(([limit, runs]) => `limit=${limit} ${runs.map((c) => c.seconds.toFixed(3)).join('/')}`)
        .concat(`stream ${m.stream.map((c) => c.seconds.toFixed(3)).join('/')}`)
        .concat(`filtered REST ${m.filteredRest.map((c) => c.seconds.toFixed(3)).join('/')}`)
        .concat(`filtered stream ${m.filteredStream.map((c) => c.seconds.toFixed(3)).join('/')}`)
        .join(', ');
    return {
      name: 'rest',
      title: this.title,
      params: { events: count, rounds, limits: [100, 1000], filter: FILTER_KIND },
      metrics: [...metricsOf('memory', memory, count), ...metricsOf('redis', redis, count)],
      integrity: {
        ok: true,
        checked: `${rounds} round(s) per log: every REST page and every replay held all ${count} events once, in order (filtered: all ${memory.filteredCount} ${FILTER_KIND}, none skipped)`,
        problems: [],
      },
      notes: [
        `seconds per catch-up (median over rounds is reported): memory ${seconds(memory)}; redis ${seconds(redis)}`,
        'both clients run in the orchestrator process and parse every event; the server runs in its own process',
      ],
      durationMs: performance.now() - started,
    };
  },
};
