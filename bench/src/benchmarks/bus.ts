/**
 * Bus: the same fan-out over the Redis Streams event log against the memory log (the latency
 * Redis adds), and the time to replay events after a `Last-Event-ID` from each log.
 */
import { newRunTag } from '../events.js';
import { type FanoutPlan, measureFanout } from '../fanout/measure.js';
import { assertIntegrity, Session, startClientWorkers } from '../fanout/session.js';
import { median, metric } from '../harness/stats.js';
import { type BenchContext, type Benchmark, type Metric, sized } from '../harness/types.js';
import type { ServerSpec } from '../workers/server.js';
import { fanoutPlan } from './fanout.js';

const MEMORY = 'memory log';

/** Replays `count` events after a `Last-Event-ID` `rounds` times; returns each replay's seconds. */
async function measureReplay(
  context: BenchContext,
  spec: ServerSpec,
  count: number,
  rounds: number,
): Promise<{ seconds: number[]; checked: string }> {
  const [client] = startClientWorkers(1, 4);
  try {
    const session = await Session.start({
      spec,
      clients: [client!],
      runTag: newRunTag(),
      tenants: 1,
      maxConnections: 4,
    });
    try {
      context.progress(`${spec.bus}: publishing ${count + 1} events for replay`);
      const [first] = await session.publish([1], { cursors: true });
      for (let left = count; left > 0; left -= 1000) {
        await session.publish([Math.min(1000, left)]);
      }
      const seconds: number[] = [];
      let checked = '';
      for (let r = 0; r < rounds; r++) {
        context.progress(`${spec.bus}: replay ${r + 1}/${rounds} of ${count} events`);
        session.perTenant[0] = 0;
        const connect = await session.connect(1, {
          concurrency: 1,
          sampleEvery: 0,
          headers: { 'last-event-id': first! },
          startSeq: 1,
        });
        const done = await session.waitForAll(120_000);
        seconds.push((done.doneAt - connect.startedAt) / 1000);
        const integrity = await session.integrity(count);
        assertIntegrity(`replay from the ${spec.bus} log`, integrity);
        checked = integrity.checked;
        await client!.call('reset');
      }
      return { seconds, checked: `${rounds} replays; last: ${checked}` };
    } finally {
      await session.close();
    }
  } finally {
    await client!.close();
  }
}

async function fanoutBoth(
  context: BenchContext,
  plan: FanoutPlan,
  memory: ServerSpec,
  redis: ServerSpec,
) {
  const clients = startClientWorkers(context.options.clientWorkers, plan.connections);
  try {
    const run = async (spec: ServerSpec) => {
      const session = await Session.start({
        spec,
        clients,
        runTag: newRunTag(),
        tenants: context.options.tenants,
        maxConnections: plan.connections,
        cpuProfileDir: context.options.cpuProfileDir,
      });
      try {
        return await measureFanout(session, plan, (m) => context.progress(m));
      } finally {
        await session.close();
      }
    };
    return { memory: await run(memory), redis: await run(redis) };
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
}

/** The bus benchmark. */
export const bus: Benchmark = {
  name: 'bus',
  title: 'Bus: fan-out over the Redis Streams log vs the memory log; replay after Last-Event-ID',
  async run(context) {
    const started = performance.now();
    const { options } = context;
    const n = Math.min(...options.connections);
    const plan = fanoutPlan(options, n);
    const common = { kind: 'causeflow', heartbeatMs: 30_000, redisUrl: options.redisUrl } as const;
    const replayCount = sized(options, { smoke: 100, quick: 1000, full: 10_000 });
    const retention = replayCount + 10_000;
    const memorySpec: ServerSpec = { ...common, bus: 'memory', retention };
    const redisSpec: ServerSpec = {
      ...common,
      bus: 'redis',
      retention,
      keyPrefix: `causeflow-bench:${newRunTag()}:`,
    };

    context.progress(`fan-out with ${n} connections, memory then redis`);
    const { memory, redis } = await fanoutBoth(context, plan, memorySpec, redisSpec);
    const rounds = sized(options, { smoke: 1, quick: 1, full: 3 });
    const replayMemory = await measureReplay(context, memorySpec, replayCount, rounds);
    const replayRedis = await measureReplay(context, redisSpec, replayCount, rounds);

    const base = { baselineLabel: MEMORY };
    const metrics: Metric[] = [
      metric({
        ...base,
        name: `n=${n} steady: latency p50`,
        unit: 'ms',
        value: redis.steady.latency.p50,
        baseline: memory.steady.latency.p50,
        better: 'lower',
      }),
      metric({
        ...base,
        name: `n=${n} steady: latency p99`,
        unit: 'ms',
        value: redis.steady.latency.p99,
        baseline: memory.steady.latency.p99,
        better: 'lower',
        target: { kind: 'delta', max: 5 },
      }),
      metric({
        ...base,
        name: `n=${n} burst: latency p99`,
        unit: 'ms',
        value: redis.burst.latency.p99,
        baseline: memory.burst.latency.p99,
        better: 'lower',
      }),
      metric({
        ...base,
        name: `n=${n} steady: server CPU per delivery`,
        unit: 'µs',
        value: redis.steady.cpuPerDeliveryMicros,
        baseline: memory.steady.cpuPerDeliveryMicros,
        better: 'lower',
      }),
      metric({
        ...base,
        name: `n=${n} burst: deliveries per second`,
        unit: '/s',
        value: redis.burst.deliveriesPerSecond,
        baseline: memory.burst.deliveriesPerSecond,
        better: 'higher',
      }),
      metric({
        ...base,
        name: `replay ${replayCount} events after Last-Event-ID`,
        unit: 'ms',
        value: median(replayRedis.seconds) * 1000,
        baseline: median(replayMemory.seconds) * 1000,
        better: 'lower',
      }),
    ];
    return {
      name: 'bus',
      title: this.title,
      params: { connections: n, tenants: options.tenants, plan, replayCount, replayRounds: rounds },
      metrics,
      integrity: {
        ok: true,
        checked: [
          `memory fan-out: ${memory.integrityChecked}`,
          `redis fan-out: ${redis.integrityChecked}`,
          `memory replay: ${replayMemory.checked}`,
          `redis replay: ${replayRedis.checked}`,
        ].join('; '),
        problems: [],
      },
      notes: [
        `replay seconds: memory ${replayMemory.seconds.map((s) => s.toFixed(3)).join(', ')}; redis ${replayRedis.seconds.map((s) => s.toFixed(3)).join(', ')}`,
        `replay rate (redis): ${Math.round(replayCount / median(replayRedis.seconds)).toLocaleString('en-US')} events/s`,
      ],
      durationMs: performance.now() - started,
    };
  },
};
