/**
 * Webhooks: deliveries per second from `@causeflow/webhooks` to a local receiver (its own
 * process), on the memory store and on Redis (BullMQ), beside a baseline of plain `fetch` POSTs
 * of the same bodies at the same concurrency in the same run; and the memory each pending
 * delivery holds (Node heap on the memory store, Redis bytes on Redis).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createMemoryEventLog, createRedisEventLog, type EventLog } from '@causeflow/bus';
import { deleteKeys, redisReachable } from '@causeflow/devkit/redis';
import {
  WEBHOOK_DEFAULTS,
  type WebhookConfig,
  type WebhookStorage,
  type Webhooks,
} from '@causeflow/webhooks';
import { createLoopbackWebhooks } from '@causeflow/webhooks/testing';
import { Redis } from 'ioredis';
import { benchEvent, newRunTag } from '../events.js';
import { metric } from '../harness/stats.js';
import { BenchError, type Benchmark, type Metric, sized } from '../harness/types.js';

const CONCURRENCY = 50;

/** The receiver process: answers 200 (or never, when told to hang) and counts distinct webhook-ids. */
const RECEIVER = `
const http = require('node:http');
const ids = new Map();
let hang = false;
const server = http.createServer((req, res) => {
  const id = req.headers['webhook-id'] || req.headers['x-id'];
  req.resume();
  req.on('end', () => {
    ids.set(id, (ids.get(id) || 0) + 1);
    if (hang) return;
    res.writeHead(200);
    res.end();
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('message', (m) => {
  if (m.type === 'reset') { ids.clear(); hang = !!m.hang; process.send({ type: 'ok' }); }
  if (m.type === 'count') {
    let total = 0; for (const n of ids.values()) total += n;
    process.send({ type: 'count', distinct: ids.size, total });
  }
});
`;

interface ReceiverProcess {
  readonly url: string;
  call(message: object): Promise<{ distinct: number; total: number }>;
  close(): void;
}

async function startReceiverProcess(): Promise<ReceiverProcess> {
  const child: ChildProcess = spawn(process.execPath, ['-e', RECEIVER], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve) =>
    child.once('message', (m: { port: number }) => resolve(m.port)),
  );
  return {
    url: `http://127.0.0.1:${port}/hook`,
    call: (message) =>
      new Promise((resolve) => {
        child.once('message', (m: { distinct: number; total: number }) => resolve(m));
        child.send(message);
      }),
    close: () => child.kill(),
  };
}

async function waitForCount(
  receiver: ReceiverProcess,
  distinct: number,
  timeoutMs: number,
): Promise<{ distinct: number; total: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const count = await receiver.call({ type: 'count' });
    if (count.distinct >= distinct) return count;
    if (Date.now() > deadline)
      throw new BenchError(`webhooks: ${count.distinct}/${distinct} deliveries arrived`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Plain fetch POSTs of the same bodies, `CONCURRENCY` at a time: deliveries per second. */
async function baseline(
  receiver: ReceiverProcess,
  bodies: readonly { id: string; body: string }[],
): Promise<number> {
  await receiver.call({ type: 'reset' });
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < bodies.length) {
        const { id, body } = bodies[next++]!;
        const res = await fetch(receiver.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-id': id },
          body,
        });
        await res.arrayBuffer();
      }
    }),
  );
  await waitForCount(receiver, bodies.length, 60_000);
  return bodies.length / ((performance.now() - started) / 1000);
}

function sender(
  log: EventLog,
  storage: WebhookStorage,
  config: Partial<WebhookConfig> = {},
): Webhooks {
  return createLoopbackWebhooks({
    log,
    config: {
      concurrency: CONCURRENCY,
      maxPendingPerTenant: 1_000_000,
      maxPendingTotal: 1_000_000,
      ...config,
    },
    storage,
  });
}

/** Appends `count` events for a tenant with one endpoint; deliveries per second until all arrived. */
async function throughput(options: {
  receiver: ReceiverProcess;
  log: EventLog;
  webhooks: Webhooks;
  count: number;
}): Promise<{ perSecond: number; duplicates: number }> {
  const { receiver, log, webhooks, count } = options;
  const tag = newRunTag();
  const tenant = `ten_bench_${tag}_0`;
  await webhooks.create(tenant, { url: receiver.url });
  await receiver.call({ type: 'reset' });
  const started = performance.now();
  for (let seq = 1; seq <= count; seq += 500) {
    await log.append(
      Array.from({ length: Math.min(500, count - seq + 1) }, (_, i) => benchEvent(tag, 0, seq + i)),
    );
  }
  const done = await waitForCount(receiver, count, 300_000);
  return {
    perSecond: count / ((performance.now() - started) / 1000),
    duplicates: done.total - done.distinct,
  };
}

function gc(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** Heap bytes per pending delivery on the memory store: the receiver hangs, so deliveries stay pending. */
async function memoryPerPending(receiver: ReceiverProcess, count: number): Promise<number> {
  const log = createMemoryEventLog({ retention: count * 2 + 10 });
  const webhooks = sender(log, { kind: 'memory' });
  try {
    await webhooks.start();
    const tag = newRunTag();
    const withHook = `ten_bench_${tag}_1`;
    const without = `ten_bench_${tag}_2`;
    await webhooks.create(withHook, { url: receiver.url });
    await receiver.call({ type: 'reset', hang: true });
    const events = (tenantIndex: number) =>
      Array.from({ length: count }, (_, i) => ({ ...benchEvent(tag, tenantIndex, i + 1) }));
    gc();
    const h0 = process.memoryUsage().heapUsed;
    await log.append(events(2));
    gc();
    const h1 = process.memoryUsage().heapUsed;
    await log.append(events(1));
    await webhooks.dispatcher.idle();
    gc();
    const h2 = process.memoryUsage().heapUsed;
    void without;
    return (h2 - h1 - (h1 - h0)) / count;
  } finally {
    await receiver.call({ type: 'reset', hang: false });
    await webhooks.close();
    await log.close();
  }
}

/** Redis bytes (MEMORY USAGE over the run's keys) per pending delivery. */
async function redisPerPending(
  redisUrl: string,
  receiver: ReceiverProcess,
  count: number,
): Promise<number> {
  const prefix = `causeflow:benchwh:${newRunTag()}:`;
  const log = createRedisEventLog({
    url: redisUrl,
    keyPrefix: `${prefix}log:`,
    retention: count + 10,
  });
  const webhooks = sender(
    log,
    { kind: 'redis', url: redisUrl, keyPrefix: `${prefix}wh:` },
    { concurrency: 1, maxPendingTotal: WEBHOOK_DEFAULTS.maxPendingTotal },
  );
  const redis = new Redis(redisUrl);
  try {
    await receiver.call({ type: 'reset', hang: true });
    await webhooks.start();
    const tag = newRunTag();
    await webhooks.create(`ten_bench_${tag}_0`, { url: receiver.url });
    for (let seq = 1; seq <= count; seq += 500) {
      await log.append(
        Array.from({ length: Math.min(500, count - seq + 1) }, (_, i) =>
          benchEvent(tag, 0, seq + i),
        ),
      );
    }
    await webhooks.dispatcher.idle();
    let bytes = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}wh:*`, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) bytes += Number((await redis.memory('USAGE', key)) ?? 0);
    } while (cursor !== '0');
    return bytes / count;
  } finally {
    await receiver.call({ type: 'reset', hang: false });
    await webhooks.close();
    await log.close();
    redis.disconnect();
    await deleteKeys(prefix, redisUrl);
  }
}

/** `pnpm bench webhooks`. */
export const webhooks: Benchmark = {
  name: 'webhooks',
  title:
    'Webhook deliveries/s to a local receiver vs plain fetch POSTs; memory per pending delivery',
  async run(context) {
    const started = performance.now();
    const count = sized(context.options, { smoke: 200, quick: 2000, full: 10_000 });
    const receiver = await startReceiverProcess();
    const metrics: Metric[] = [];
    const notes: string[] = [];
    let duplicates = 0;
    try {
      const tag = newRunTag();
      const bodies = Array.from({ length: count }, (_, i) => {
        const event = benchEvent(tag, 9, i + 1);
        return { id: String(event.id), body: JSON.stringify(event) };
      });
      context.progress(`webhooks: baseline, ${count} fetch POSTs`);
      const base = await baseline(receiver, bodies);
      context.progress(`webhooks: memory store, ${count} deliveries`);
      const memLog = createMemoryEventLog({ retention: count + 10 });
      const memHooks = sender(memLog, { kind: 'memory' });
      await memHooks.start();
      const mem = await throughput({ receiver, log: memLog, webhooks: memHooks, count }).finally(
        async () => {
          await memHooks.close();
          await memLog.close();
        },
      );
      duplicates += mem.duplicates;
      metrics.push(
        metric({
          name: 'deliveries/s, memory store',
          unit: 'deliveries/s',
          value: mem.perSecond,
          baseline: base,
          baselineLabel: `plain fetch POSTs, ${CONCURRENCY} at a time`,
          better: 'higher',
        }),
      );
      if (await redisReachable(context.options.redisUrl)) {
        context.progress(`webhooks: Redis (BullMQ), ${count} deliveries`);
        const prefix = `causeflow:benchwh:${newRunTag()}:`;
        const redisLog = createRedisEventLog({
          url: context.options.redisUrl,
          keyPrefix: `${prefix}log:`,
          retention: count + 10,
        });
        const redisHooks = sender(redisLog, {
          kind: 'redis',
          url: context.options.redisUrl,
          keyPrefix: `${prefix}wh:`,
        });
        await redisHooks.start();
        const red = await throughput({
          receiver,
          log: redisLog,
          webhooks: redisHooks,
          count,
        }).finally(async () => {
          await redisHooks.close();
          await redisLog.close();
          await deleteKeys(prefix, context.options.redisUrl);
        });
        duplicates += red.duplicates;
        metrics.push(
          metric({
            name: 'deliveries/s, Redis + BullMQ',
            unit: 'deliveries/s',
            value: red.perSecond,
            baseline: base,
            baselineLabel: `plain fetch POSTs, ${CONCURRENCY} at a time`,
            better: 'higher',
          }),
        );
        context.progress('webhooks: Redis bytes per pending delivery');
        metrics.push(
          metric({
            name: 'Redis bytes per pending delivery',
            unit: 'B',
            value: await redisPerPending(context.options.redisUrl, receiver, Math.min(count, 2000)),
            better: 'lower',
          }),
        );
      } else {
        notes.push(`Redis not reachable at ${context.options.redisUrl}: Redis rows skipped`);
      }
      context.progress('webhooks: heap per pending delivery (memory store)');
      metrics.push(
        metric({
          name: 'heap bytes per pending delivery, memory store',
          unit: 'B',
          value: await memoryPerPending(receiver, count),
          better: 'lower',
        }),
      );
    } finally {
      receiver.close();
    }
    return {
      name: 'webhooks',
      title: this.title,
      params: { deliveries: count, concurrency: CONCURRENCY },
      metrics,
      integrity: {
        ok: true,
        checked: `every delivery arrived (distinct webhook-id counted by the receiver); ${duplicates} duplicate request(s)`,
        problems: [],
      },
      notes: [
        ...notes,
        'the receiver runs in its own process and answers 200 at once; the sender signs every request (HMAC-SHA256) and records each attempt in the delivery log',
      ],
      durationMs: performance.now() - started,
    };
  },
};
