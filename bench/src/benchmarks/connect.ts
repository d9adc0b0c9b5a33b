/**
 * Connect rate: K clients connecting at once (authenticated with a JWT for CauseFlow, nothing for
 * the raw baseline), then a reconnect storm: every connection dropped and re-opened at once with
 * `Last-Event-ID`. Events published before and after the storm must arrive exactly once, in order.
 */
import { CONFIG_DEFAULTS } from '@causeflow/stream-server';
import { newRunTag } from '../events.js';
import { assertIntegrity, Session, startClientWorkers } from '../fanout/session.js';
import { metric } from '../harness/stats.js';
import type { BenchContext, Benchmark, IntegrityReport } from '../harness/types.js';
import type { ServerSpec } from '../workers/server.js';

interface ConnectNumbers {
  readonly connectSeconds: number;
  readonly stormSeconds: number;
  readonly retries: number;
  readonly integrity: IntegrityReport;
}

async function measureConnect(
  context: BenchContext,
  spec: ServerSpec,
  count: number,
): Promise<ConnectNumbers> {
  const { options } = context;
  const clients = startClientWorkers(options.clientWorkers, count);
  try {
    const session = await Session.start({
      spec,
      clients,
      runTag: newRunTag(),
      tenants: options.tenants,
      maxConnections: count,
      cpuProfileDir: options.cpuProfileDir,
    });
    try {
      context.progress(`${spec.kind}: ${count} clients connect at once`);
      const connect = await session.connect(count, { concurrency: count, sampleEvery: 0 });
      const cursors = await session.publish(
        session.perTenant.map(() => 1),
        { cursors: true },
      );
      await session.waitForAll(60_000);
      context.progress(`${spec.kind}: reconnect storm of ${count} clients`);
      const storm = await session.storm(cursors);
      await session.publish(session.perTenant.map(() => 1));
      await session.waitForAll(60_000);
      const integrity = await session.integrity();
      assertIntegrity(`${spec.kind} connect storm`, integrity);
      return {
        connectSeconds: (connect.endedAt - connect.startedAt) / 1000,
        stormSeconds: (storm.endedAt - storm.startedAt) / 1000,
        retries: connect.retries + storm.retries,
        integrity,
      };
    } finally {
      await session.close();
    }
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
}

/** The connect-rate benchmark. */
export const connect: Benchmark = {
  name: 'connect',
  title: 'Connect rate: authenticated connections per second and a reconnect storm',
  async run(context) {
    const started = performance.now();
    const count = Math.max(...context.options.connections);
    const baseline = await measureConnect(
      context,
      { kind: 'baseline', heartbeatMs: 30_000, retention: 1000 },
      count,
    );
    // The same raw server with CauseFlow's default listen backlog: shows what is left once both
    // avoid SYN drops (the backlog explains most of the storm time of the default baseline).
    const sameBacklog = await measureConnect(
      context,
      {
        kind: 'baseline',
        heartbeatMs: 30_000,
        retention: 1000,
        backlog: CONFIG_DEFAULTS.listenBacklog,
      },
      count,
    );
    const subject = await measureConnect(
      context,
      { kind: 'causeflow', bus: 'memory', heartbeatMs: 30_000, retention: 1000 },
      count,
    );
    const baselineLabel = 'raw node:http, no auth';
    const sameBacklogLabel = `raw node:http, no auth, backlog ${CONFIG_DEFAULTS.listenBacklog}`;
    return {
      name: 'connect',
      title: this.title,
      params: { connections: count, tenants: context.options.tenants },
      metrics: [
        metric({
          name: `${count} at once: connections per second`,
          unit: '/s',
          value: count / subject.connectSeconds,
          baseline: count / baseline.connectSeconds,
          baselineLabel,
          better: 'higher',
          target: { kind: 'ratio', min: 0.8 },
        }),
        metric({
          name: `reconnect storm of ${count}: time to settle`,
          unit: 'ms',
          value: subject.stormSeconds * 1000,
          baseline: baseline.stormSeconds * 1000,
          baselineLabel,
          better: 'lower',
          target: { kind: 'ratio', max: 1.5 },
        }),
        metric({
          name: `${count} at once: connections per second (same backlog)`,
          unit: '/s',
          value: count / subject.connectSeconds,
          baseline: count / sameBacklog.connectSeconds,
          baselineLabel: sameBacklogLabel,
          better: 'higher',
        }),
        metric({
          name: `reconnect storm of ${count}: time to settle (same backlog)`,
          unit: 'ms',
          value: subject.stormSeconds * 1000,
          baseline: sameBacklog.stormSeconds * 1000,
          baselineLabel: sameBacklogLabel,
          better: 'lower',
        }),
      ],
      integrity: {
        ok: true,
        checked: `baseline: ${baseline.integrity.checked}; same-backlog baseline: ${sameBacklog.integrity.checked}; causeflow: ${subject.integrity.checked} (before and after the storm)`,
        problems: [],
      },
      notes: [
        `connection retries (refused/reset during the storm): causeflow ${subject.retries}, baseline ${baseline.retries}, same-backlog baseline ${sameBacklog.retries}`,
        `listen backlog: causeflow ${CONFIG_DEFAULTS.listenBacklog} (LISTEN_BACKLOG), baseline Node's default 511`,
      ],
      durationMs: performance.now() - started,
    };
  },
};
