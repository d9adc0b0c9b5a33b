/**
 * One fan-out measurement against one server: idle memory per connection, a steady phase and a
 * burst phase, each with server CPU per delivery, throughput and publish-to-receive latency.
 */
import type { ServerUsage } from '../workers/server.js';
import { assertIntegrity, cpuMicros, latencySummary, now, type Session, sleep } from './session.js';

/** Sizes of one fan-out measurement. */
export interface FanoutPlan {
  readonly connections: number;
  /** Steady phase: events per second over all tenants, and for how long. */
  readonly steadyRate: number;
  readonly steadySeconds: number;
  /** Burst phase: events per tenant per burst, and how many bursts. */
  readonly burstSize: number;
  readonly bursts: number;
  /** Connection attempts in flight per client worker while setting up. */
  readonly connectConcurrency: number;
  /** Roughly how many connections record receive times. */
  readonly sampledConnections: number;
  /** Pause before reading idle memory (lets sockets and timers settle). */
  readonly settleMs: number;
}

/** Numbers of one phase. */
export interface PhaseNumbers {
  readonly events: number;
  readonly deliveries: number;
  readonly cpuMicros: number;
  readonly cpuPerDeliveryMicros: number;
  /** Deliveries per second of wall time while events were in flight. */
  readonly deliveriesPerSecond: number;
  readonly latency: { p50: number; p99: number; max: number; count: number };
}

/** Everything one fan-out measurement produced. */
export interface FanoutNumbers {
  readonly connections: number;
  readonly connectSeconds: number;
  readonly idleRssPerConnectionBytes: number;
  readonly idleHeapPerConnectionBytes: number;
  readonly steady: PhaseNumbers;
  readonly burst: PhaseNumbers;
  readonly integrityChecked: string;
}

async function settledUsage(session: Session, settleMs: number): Promise<ServerUsage> {
  await sleep(settleMs);
  return session.gcUsage();
}

/** Runs the plan against `session` (connections are opened here); throws on an integrity failure. */
export async function measureFanout(
  session: Session,
  plan: FanoutPlan,
  progress: (message: string) => void,
): Promise<FanoutNumbers> {
  const label = `${session.spec.kind}${session.spec.bus ? `/${session.spec.bus}` : ''}`;
  const idle = await settledUsage(session, plan.settleMs);
  progress(`${label}: opening ${plan.connections} connections`);
  const connect = await session.connect(plan.connections, {
    concurrency: plan.connectConcurrency,
    sampleEvery: Math.max(1, Math.floor(plan.connections / plan.sampledConnections)),
  });
  const loaded = await settledUsage(session, plan.settleMs);
  const idleRss = (loaded.rss - idle.rss) / plan.connections;
  const idleHeap =
    (loaded.heapUsed + loaded.external - idle.heapUsed - idle.external) / plan.connections;

  // warm-up: a few events to every connection, not measured
  await session.publish(session.perTenant.map(() => 2));
  await session.waitForAll(60_000);
  await session.latencies(session.published);

  progress(`${label}: steady ${plan.steadyRate} events/s for ${plan.steadySeconds} s`);
  const steady = await phase(session, async () => {
    await session.publishSteady(plan.steadyRate, plan.steadySeconds);
  });

  progress(`${label}: ${plan.bursts} bursts of ${plan.burstSize} events per tenant`);
  let burstWall = 0;
  const burst = await phase(session, async () => {
    for (let b = 0; b < plan.bursts; b++) {
      const sentAt = now();
      await session.publish(session.perTenant.map(() => plan.burstSize));
      const done = await session.waitForAll(120_000);
      burstWall += done.doneAt - sentAt;
      await sleep(plan.settleMs / 3);
    }
  });

  const integrity = await session.integrity();
  assertIntegrity(`${label}, ${plan.connections} connections`, integrity);
  return {
    connections: plan.connections,
    connectSeconds: (connect.endedAt - connect.startedAt) / 1000,
    idleRssPerConnectionBytes: idleRss,
    idleHeapPerConnectionBytes: idleHeap,
    steady,
    burst: { ...burst, deliveriesPerSecond: burst.deliveries / (burstWall / 1000) },
    integrityChecked: integrity.checked,
  };
}

async function phase(session: Session, publish: () => Promise<void>): Promise<PhaseNumbers> {
  const before = [...session.published];
  const usageBefore = await session.usage();
  const startedAt = now();
  await publish();
  const done = await session.waitForAll(120_000);
  const usageAfter = await session.usage();
  const events = session.published.map((n, t) => n - before[t]!);
  const deliveries = session.deliveriesFor(events);
  const cpu = cpuMicros(usageBefore, usageAfter);
  const latencies = await session.latencies(before);
  return {
    events: events.reduce((a, b) => a + b, 0),
    deliveries,
    cpuMicros: cpu,
    cpuPerDeliveryMicros: cpu / deliveries,
    deliveriesPerSecond: deliveries / ((done.doneAt - startedAt) / 1000),
    latency: latencySummary(latencies),
  };
}
