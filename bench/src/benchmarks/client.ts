/**
 * Client: events parsed and validated per second by `@causeflow/client` (`openStream` reading a
 * recorded byte stream through a custom `fetch`) against eventsource-parser on the same bytes,
 * alone and with the JSON.parse + validateEvent work every consumer needs.
 */
import { openStream } from '@causeflow/client';
import { validateEvent } from '@causeflow/events';
import { createParser } from 'eventsource-parser';
import { newRunTag } from '../events.js';
import { Session } from '../fanout/session.js';
import { measureMicro } from '../harness/micro.js';
import { metric } from '../harness/stats.js';
import { BenchError, type Benchmark, sized } from '../harness/types.js';

/** Records the bytes a real CauseFlow server sends when replaying `count` events. */
async function recordStream(count: number): Promise<Uint8Array[]> {
  const session = await Session.start({
    spec: { kind: 'causeflow', bus: 'memory', heartbeatMs: 30_000, retention: count + 10 },
    clients: [],
    runTag: newRunTag(),
    tenants: 1,
    maxConnections: 4,
  });
  try {
    const [first] = await session.publish([1], { cursors: true });
    for (let left = count; left > 0; left -= 1000) await session.publish([Math.min(1000, left)]);
    const target = session.target(0);
    const abort = new AbortController();
    const res = await fetch(`http://127.0.0.1:${session.info.port}${target.path}`, {
      headers: { ...target.headers, 'last-event-id': first! },
      signal: abort.signal,
    });
    if (!res.ok || !res.body) throw new BenchError(`recording: HTTP ${res.status}`);
    const chunks: Uint8Array[] = [];
    let seen = 0;
    const decoder = new TextDecoder();
    const parser = createParser({
      onEvent: (e) => {
        if (e.event !== 'ping') seen++;
      },
    });
    const reader = res.body.getReader();
    while (seen < count) {
      const { done, value } = await reader.read();
      if (done) throw new BenchError(`recording: the stream ended after ${seen} events`);
      chunks.push(value);
      parser.feed(decoder.decode(value, { stream: true }));
    }
    abort.abort();
    await reader.cancel().catch(() => {});
    return chunks;
  } finally {
    await session.close();
  }
}

/** A `fetch` that answers once with the recorded bytes, then hangs until aborted. */
function replayFetch(chunks: readonly Uint8Array[]): typeof fetch {
  let served = false;
  return (async (_url: unknown, init?: RequestInit) => {
    if (served) {
      return new Promise<Response>((_, reject) => {
        init?.signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
      });
    }
    served = true;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(chunk);
        controller.close();
      },
    });
    return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
  }) as typeof fetch;
}

/** Runs `openStream` over the recording; resolves with the ids of the delivered events. */
async function viaClient(
  chunks: readonly Uint8Array[],
  count: number,
  options: { validate: boolean; keepIds?: boolean },
): Promise<{ ids: string[]; invalid: number }> {
  const stream = openStream({
    url: 'http://127.0.0.1:1',
    token: 'bench',
    fetch: replayFetch(chunks),
    validate: options.validate,
    backoff: { initialMs: 1, maxMs: 1 },
  });
  const ids: string[] = [];
  let invalid = 0;
  let seen = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new BenchError(`client: ${seen} of ${count} events`)),
        60_000,
      );
      stream.on('invalid', () => invalid++);
      stream.on('*', (event) => {
        seen++;
        if (options.keepIds) ids.push((event as { id?: string }).id ?? '');
        if (seen === count) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  } finally {
    stream.close();
  }
  return { ids, invalid };
}

/** eventsource-parser over the same chunks, with optional JSON.parse and validation. */
function viaParser(chunks: readonly Uint8Array[], work: 'parse' | 'json' | 'validate'): number {
  const decoder = new TextDecoder('utf-8');
  let n = 0;
  const parser = createParser({
    onEvent: (message) => {
      if (message.event === 'ping') return;
      if (work === 'parse') {
        n++;
        return;
      }
      const payload = JSON.parse(message.data);
      if (work === 'json' || validateEvent(payload).ok) n++;
    },
  });
  for (const chunk of chunks) parser.feed(decoder.decode(chunk, { stream: true }));
  return n;
}

/** The client benchmark. */
export const client: Benchmark = {
  name: 'client',
  title: 'Client: SSE parse + validate in @causeflow/client vs eventsource-parser',
  async run(context) {
    const started = performance.now();
    const { options } = context;
    const count = sized(options, { smoke: 300, quick: 2000, full: 20_000 });
    context.progress(`recording ${count} events from a CauseFlow server`);
    const chunks = await recordStream(count);
    const bytes = chunks.reduce((s, c) => s + c.byteLength, 0);

    // Integrity first: every consumer sees exactly the recorded events, the client in order.
    const { ids, invalid } = await viaClient(chunks, count, { validate: true, keepIds: true });
    const problems: string[] = [];
    if (invalid > 0) problems.push(`${invalid} events reported invalid`);
    ids.forEach((id, i) => {
      const seq = Number(/^evt_b0_(\d+)_/.exec(id)?.[1]);
      if (seq !== i + 2 && problems.length < 10) problems.push(`event ${i}: ${id}`);
    });
    for (const work of ['parse', 'json', 'validate'] as const) {
      const n = viaParser(chunks, work);
      if (n !== count) problems.push(`eventsource-parser (${work}): ${n} of ${count} events`);
    }
    if (problems.length > 0) {
      throw new BenchError(`INTEGRITY FAILURE (client): ${problems.join('; ')}`);
    }

    const tasks = [
      { name: 'client validate', run: () => viaClient(chunks, count, { validate: true }) },
      { name: 'client no validation', run: () => viaClient(chunks, count, { validate: false }) },
      { name: 'parser', run: () => viaParser(chunks, 'parse') },
      { name: 'parser json', run: () => viaParser(chunks, 'json') },
      { name: 'parser json validate', run: () => viaParser(chunks, 'validate') },
    ].map((t) => ({ ...t, opsPerRun: count }));
    context.progress(`timing ${tasks.length} consumers over ${count} events`);
    const timed = await measureMicro(tasks, {
      warmupMs: sized(options, { smoke: 5, quick: 50, full: 500 }),
      batchMs: sized(options, { smoke: 5, quick: 20, full: 200 }),
      rounds: sized(options, { smoke: 2, quick: 3, full: 11 }),
    });
    const eventsPerSecond = (name: string): number => timed.get(name)!.opsPerSecond;
    const client = eventsPerSecond('client validate');
    return {
      name: 'client',
      title: this.title,
      params: { events: count, bytes, chunks: chunks.length },
      metrics: [
        metric({
          name: 'openStream, parse + validate',
          unit: 'events/s',
          value: client,
          baseline: eventsPerSecond('parser'),
          baselineLabel: 'eventsource-parser alone',
          better: 'higher',
        }),
        metric({
          name: 'openStream, parse + validate (vs same work by hand)',
          unit: 'events/s',
          value: client,
          baseline: eventsPerSecond('parser json validate'),
          baselineLabel: 'eventsource-parser + JSON.parse + validateEvent',
          better: 'higher',
        }),
        metric({
          name: 'openStream, validate: false',
          unit: 'events/s',
          value: eventsPerSecond('client no validation'),
          baseline: eventsPerSecond('parser json'),
          baselineLabel: 'eventsource-parser + JSON.parse',
          better: 'higher',
        }),
      ],
      integrity: {
        ok: true,
        checked: `${count} recorded events (${Math.round(bytes / 1024)} KiB in ${chunks.length} chunks) delivered in order, none invalid`,
        problems: [],
      },
      notes: ['events per CPU second of the benchmark process (median of interleaved rounds)'],
      durationMs: performance.now() - started,
    };
  },
};
