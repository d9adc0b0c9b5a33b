/**
 * Fan-out: N SSE connections over several tenants, events published steadily and in bursts, the
 * CauseFlow stream server against the raw `node:http` broadcaster with the same client harness.
 */
import { newRunTag } from '../events.js';
import { type FanoutNumbers, type FanoutPlan, measureFanout } from '../fanout/measure.js';
import { Session, startClientWorkers } from '../fanout/session.js';
import { metric } from '../harness/stats.js';
import {
  type BenchContext,
  type Benchmark,
  type BenchOptions,
  type Metric,
  sized,
} from '../harness/types.js';
import type { ServerSpec } from '../workers/server.js';

const BASELINE = 'raw node:http';

/** Sizes for `connections` under the run's options. */
export function fanoutPlan(options: BenchOptions, connections: number): FanoutPlan {
  const perTenant = Math.max(1, connections / options.tenants);
  const steadyRate = Math.max(
    options.tenants,
    Math.min(
      200,
      Math.round(sized(options, { smoke: 2000, quick: 10_000, full: 20_000 }) / perTenant),
    ),
  );
  return {
    connections,
    steadyRate,
    steadySeconds: options.seconds,
    burstSize: sized(options, { smoke: 5, quick: 10, full: 50 }),
    bursts: sized(options, { smoke: 1, quick: 2, full: 3 }),
    connectConcurrency: 128,
    sampledConnections: sized(options, { smoke: 4, quick: 10, full: 50 }),
    settleMs: sized(options, { smoke: 30, quick: 300, full: 1000 }),
  };
}

/** Measures one plan against the baseline and then CauseFlow, with the same client workers. */
export async function fanoutPair(
  context: BenchContext,
  plan: FanoutPlan,
  specs: { baseline: ServerSpec; subject: ServerSpec },
): Promise<{ baseline: FanoutNumbers; subject: FanoutNumbers }> {
  const { options } = context;
  const clients = startClientWorkers(options.clientWorkers, plan.connections);
  try {
    const run = async (spec: ServerSpec) => {
      const session = await Session.start({
        spec,
        clients,
        runTag: newRunTag(),
        tenants: options.tenants,
        maxConnections: plan.connections,
        cpuProfileDir: context.options.cpuProfileDir,
      });
      try {
        return await measureFanout(session, plan, (m) => context.progress(m));
      } finally {
        await session.close();
      }
    };
    const baseline = await run(specs.baseline);
    const subject = await run(specs.subject);
    return { baseline, subject };
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
}

const HEARTBEAT_MS = 30_000;

function fanoutMetrics(n: number, b: FanoutNumbers, s: FanoutNumbers): Metric[] {
  const base = { baselineLabel: BASELINE };
  return [
    metric({
      ...base,
      name: `n=${n} steady: server CPU per delivery`,
      unit: 'µs',
      value: s.steady.cpuPerDeliveryMicros,
      baseline: b.steady.cpuPerDeliveryMicros,
      better: 'lower',
      target: { kind: 'ratio', max: 1.1 },
    }),
    metric({
      ...base,
      name: `n=${n} burst: server CPU per delivery`,
      unit: 'µs',
      value: s.burst.cpuPerDeliveryMicros,
      baseline: b.burst.cpuPerDeliveryMicros,
      better: 'lower',
      target: { kind: 'ratio', max: 1.1 },
    }),
    metric({
      ...base,
      name: `n=${n} burst: deliveries per second`,
      unit: '/s',
      value: s.burst.deliveriesPerSecond,
      baseline: b.burst.deliveriesPerSecond,
      better: 'higher',
    }),
    metric({
      ...base,
      name: `n=${n} steady: latency p50`,
      unit: 'ms',
      value: s.steady.latency.p50,
      baseline: b.steady.latency.p50,
      better: 'lower',
    }),
    metric({
      ...base,
      name: `n=${n} steady: latency p99`,
      unit: 'ms',
      value: s.steady.latency.p99,
      baseline: b.steady.latency.p99,
      better: 'lower',
    }),
    metric({
      ...base,
      name: `n=${n} burst: latency p99`,
      unit: 'ms',
      value: s.burst.latency.p99,
      baseline: b.burst.latency.p99,
      better: 'lower',
    }),
    metric({
      ...base,
      name: `n=${n} idle RSS per connection`,
      unit: 'KiB',
      value: s.idleRssPerConnectionBytes / 1024,
      baseline: b.idleRssPerConnectionBytes / 1024,
      better: 'lower',
      target: { kind: 'ratio', max: 1.2 },
    }),
    metric({
      ...base,
      name: `n=${n} idle JS heap per connection`,
      unit: 'KiB',
      value: s.idleHeapPerConnectionBytes / 1024,
      baseline: b.idleHeapPerConnectionBytes / 1024,
      better: 'lower',
    }),
  ];
}

/** The fan-out benchmark. */
export const fanout: Benchmark = {
  name: 'fanout',
  title: 'Fan-out: SSE connections, steady and burst publishing (memory log)',
  async run(context) {
    const started = performance.now();
    const metrics: Metric[] = [];
    const checked: string[] = [];
    const plans: FanoutPlan[] = [];
    const notes: string[] = [];
    for (const n of context.options.connections) {
      const plan = fanoutPlan(context.options, n);
      plans.push(plan);
      context.progress(`fan-out with ${n} connections`);
      const { baseline, subject } = await fanoutPair(context, plan, {
        baseline: { kind: 'baseline', heartbeatMs: HEARTBEAT_MS, retention: 10_000 },
        subject: { kind: 'causeflow', bus: 'memory', heartbeatMs: HEARTBEAT_MS, retention: 10_000 },
      });
      metrics.push(...fanoutMetrics(n, baseline, subject));
      checked.push(
        `baseline: ${baseline.integrityChecked}`,
        `causeflow: ${subject.integrityChecked}`,
      );
      notes.push(
        `n=${n}: connect ${subject.connectSeconds.toFixed(2)} s (baseline ${baseline.connectSeconds.toFixed(2)} s); latency samples ${subject.steady.latency.count} steady / ${subject.burst.latency.count} burst`,
      );
    }
    return {
      name: 'fanout',
      title: this.title,
      params: {
        tenants: context.options.tenants,
        clientWorkers: context.options.clientWorkers,
        plans,
      },
      metrics,
      integrity: { ok: true, checked: checked.join('; '), problems: [] },
      notes,
      durationMs: performance.now() - started,
    };
  },
};
