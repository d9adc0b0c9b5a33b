/**
 * The building blocks of every server benchmark: a server-under-test worker, client workers that
 * hold the SSE connections, steady and burst publishing from this (the orchestrator) process,
 * latency from sampled receive times, and the integrity check over every connection.
 */
import { benchEvent, benchTenantId } from '../events.js';
import { startWorker, type Worker } from '../harness/ipc.js';
import { percentile } from '../harness/stats.js';
import { BenchError, type IntegrityReport } from '../harness/types.js';
import type {
  ConnectReport,
  ConnectTarget,
  IntegrityCounts,
  Sample,
  WaitReport,
} from '../workers/clients.js';
import type { ServerInfo, ServerSpec, ServerUsage } from '../workers/server.js';

/** Epoch milliseconds with sub-millisecond precision, comparable across processes. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Server CPU time (user + system) in microseconds between two usage readings. */
export function cpuMicros(before: ServerUsage, after: ServerUsage): number {
  return after.cpu.user - before.cpu.user + (after.cpu.system - before.cpu.system);
}

/** Starts `count` client workers able to hold `connections` sockets between them. */
export function startClientWorkers(count: number, connections: number): Worker[] {
  const perWorker = Math.ceil(connections / count);
  return Array.from({ length: count }, () =>
    startWorker('clients', { openFiles: perWorker + 256 }),
  );
}

/** A server under test with its tenants, tokens and connections. */
export class Session {
  /** Events published so far, per tenant (the last sequence number). */
  readonly published: number[];
  /** Publish time of every event: `publishedAt[tenant][seq]`. */
  readonly publishedAt: number[][];
  /** Connections per tenant. */
  readonly perTenant: number[];
  private tokens: string[] = [];

  private constructor(
    readonly server: Worker,
    readonly info: ServerInfo,
    readonly spec: ServerSpec,
    readonly clients: readonly Worker[],
    readonly runTag: string,
    readonly tenants: number,
  ) {
    this.published = Array.from({ length: tenants }, () => 0);
    this.publishedAt = Array.from({ length: tenants }, () => []);
    this.perTenant = Array.from({ length: tenants }, () => 0);
  }

  /** Starts the server worker (with `--expose-gc`) for `spec`. */
  static async start(options: {
    spec: ServerSpec;
    clients: readonly Worker[];
    runTag: string;
    tenants: number;
    maxConnections: number;
    /** Write a V8 CPU profile of the server process into this folder. */
    cpuProfileDir?: string;
  }): Promise<Session> {
    const { spec, cpuProfileDir } = options;
    const profile = cpuProfileDir
      ? [
          '--cpu-prof',
          `--cpu-prof-dir=${cpuProfileDir}`,
          `--cpu-prof-name=${spec.kind}${spec.bus ? `-${spec.bus}` : ''}-${options.maxConnections}-${Date.now()}.cpuprofile`,
        ]
      : [];
    const server = startWorker('server', {
      execArgv: ['--expose-gc', ...profile],
      openFiles: options.maxConnections + 256,
    });
    try {
      const info = await server.call<ServerInfo>('start', options.spec, 60_000);
      const session = new Session(
        server,
        info,
        options.spec,
        options.clients,
        options.runTag,
        options.tenants,
      );
      session.tokens = await server.call<string[]>('tokens', {
        tenantIds: Array.from({ length: options.tenants }, (_, t) =>
          benchTenantId(options.runTag, t),
        ),
      });
      return session;
    } catch (error) {
      await server.close();
      throw error;
    }
  }

  tenantId(index: number): string {
    return benchTenantId(this.runTag, index);
  }

  /** The request (path and headers) of a stream connection for tenant `t`. */
  target(t: number): ConnectTarget {
    if (this.spec.kind === 'baseline') {
      return { tenant: t, path: `${this.info.streamPath}?tenant=${this.tenantId(t)}`, headers: {} };
    }
    return {
      tenant: t,
      path: this.info.streamPath,
      headers: { authorization: `Bearer ${this.tokens[t]}` },
    };
  }

  /**
   * Opens `count` connections (connection i → tenant i mod T, worker i mod W) with at most
   * `concurrency` attempts in flight per worker; returns the overall connect report.
   */
  async connect(
    count: number,
    options: {
      concurrency: number;
      sampleEvery: number;
      /** Extra request headers (e.g. `last-event-id`). */
      headers?: Readonly<Record<string, string>>;
      /** The sequence number the connections already have (they expect `startSeq + 1` first). */
      startSeq?: number;
    },
  ): Promise<ConnectReport> {
    const perWorker: ConnectTarget[][] = this.clients.map(() => []);
    for (let i = 0; i < count; i++) {
      const t = i % this.tenants;
      this.perTenant[t]!++;
      const target = this.target(t);
      perWorker[i % this.clients.length]!.push({
        ...target,
        headers: { ...target.headers, ...options.headers },
        startSeq: options.startSeq ?? 0,
      });
    }
    const reports = await Promise.all(
      this.clients.map((c, w) =>
        c.call<ConnectReport>(
          'connect',
          {
            port: this.info.port,
            targets: perWorker[w],
            concurrency: options.concurrency,
            sampleEvery: options.sampleEvery,
          },
          300_000,
        ),
      ),
    );
    const report = mergeConnectReports(reports);
    if (report.failed > 0) {
      throw new BenchError(
        `${report.failed} of ${count} connections failed (${report.errors.join('; ')})`,
      );
    }
    return report;
  }

  /** Publishes `count[t]` new events for each tenant `t` in one IPC message; returns the cursors when asked. */
  async publish(counts: readonly number[], options: { cursors?: boolean } = {}): Promise<string[]> {
    const events: Record<string, unknown>[] = [];
    const at = now();
    for (let t = 0; t < counts.length; t++) {
      for (let i = 0; i < counts[t]!; i++) {
        const seq = ++this.published[t]!;
        this.publishedAt[t]![seq] = at;
        events.push(benchEvent(this.runTag, t, seq));
      }
    }
    const cursors = await this.server.call<string[] | null>(
      'publish',
      { events, cursors: options.cursors ?? false },
      300_000,
    );
    return cursors ?? [];
  }

  /** Publishes one event at a time round-robin over tenants at `rate` events/s for `seconds`. */
  async publishSteady(rate: number, seconds: number): Promise<void> {
    const total = Math.max(this.tenants, Math.round(rate * seconds));
    const period = 1000 / rate;
    const start = performance.now();
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < total; i++) {
      const due = start + i * period;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      const counts = Array.from({ length: this.tenants }, (_, t) =>
        t === i % this.tenants ? 1 : 0,
      );
      pending.push(this.publish(counts));
    }
    await Promise.all(pending);
  }

  /** Resolves when every connection has every event published so far. */
  async waitForAll(timeoutMs: number): Promise<WaitReport> {
    const reports = await Promise.all(
      this.clients.map((c) =>
        c.call<WaitReport>('waitFor', { lastSeq: this.published, timeoutMs }, timeoutMs + 30_000),
      ),
    );
    const lagging = reports.flatMap((r) => r.lagging);
    if (reports.some((r) => !r.complete)) {
      throw new BenchError(
        `not every connection received every event within ${timeoutMs} ms: ${lagging.join('; ')}`,
      );
    }
    return {
      complete: true,
      doneAt: Math.max(...reports.map((r) => r.doneAt)),
      deliveries: reports.reduce((s, r) => s + r.deliveries, 0),
      lagging,
    };
  }

  /** Deliveries owed for `events[t]` events per tenant. */
  deliveriesFor(events: readonly number[]): number {
    return events.reduce((sum, n, t) => sum + n * this.perTenant[t]!, 0);
  }

  /** Publish-to-receive latencies (ms) on the sampled connections for events after `afterSeq[t]`. */
  async latencies(afterSeq: readonly number[]): Promise<number[]> {
    const samples = (
      await Promise.all(this.clients.map((c) => c.call<Sample[]>('takeSamples')))
    ).flat();
    const out: number[] = [];
    for (const sample of samples) {
      const sent = this.publishedAt[sample.tenant]!;
      for (let seq = afterSeq[sample.tenant]! + 1; seq <= this.published[sample.tenant]!; seq++) {
        const received = sample.times[seq];
        if (typeof received === 'number') out.push(received - sent[seq]!);
      }
    }
    return out;
  }

  usage(): Promise<ServerUsage> {
    return this.server.call<ServerUsage>('usage');
  }

  /** Usage after a full GC in the server process. */
  gcUsage(): Promise<ServerUsage> {
    return this.server.call<ServerUsage>('gc');
  }

  /**
   * Drops every connection and reconnects all of them at once, each with `Last-Event-ID` of its
   * tenant; returns when every one has its 200 again.
   */
  async storm(lastEventIds: readonly string[]): Promise<ConnectReport> {
    const reports = await Promise.all(
      this.clients.map((c) =>
        c.call<ConnectReport>('storm', { port: this.info.port, lastEventIds }, 300_000),
      ),
    );
    const report = mergeConnectReports(reports);
    if (report.failed > 0) {
      throw new BenchError(
        `${report.failed} connections failed to reconnect (${report.errors.join('; ')})`,
      );
    }
    return report;
  }

  /**
   * Integrity over every connection of every client worker: no problem seen by any connection, and
   * `expectedDeliveries` in all (default: every published event on every connection of its tenant).
   */
  async integrity(expectedDeliveries?: number): Promise<IntegrityReport> {
    const counts = await Promise.all(this.clients.map((c) => c.call<IntegrityCounts>('integrity')));
    const connections = counts.reduce((s, c) => s + c.connections, 0);
    const deliveries = counts.reduce((s, c) => s + c.deliveries, 0);
    const problemCount = counts.reduce((s, c) => s + c.problemCount, 0);
    const expected = expectedDeliveries ?? this.deliveriesFor(this.published);
    const problems = counts.flatMap((c) => c.problems);
    if (problemCount > problems.length) problems.push(`… ${problemCount - problems.length} more`);
    if (deliveries !== expected) {
      problems.push(`${deliveries} deliveries received, ${expected} expected`);
    }
    return {
      ok: problems.length === 0,
      checked: `${deliveries.toLocaleString('en-US')} deliveries on ${connections} connections, each in sequence`,
      problems,
    };
  }

  /** Closes the connections (client workers stay up) and stops the server worker. */
  async close(): Promise<void> {
    await Promise.allSettled(this.clients.map((c) => c.call('reset')));
    try {
      await this.server.call('stop', undefined, 30_000);
    } finally {
      await this.server.close();
    }
  }
}

/** One connect report for several workers: from the first start to the last end. */
export function mergeConnectReports(reports: readonly ConnectReport[]): ConnectReport {
  return {
    startedAt: Math.min(...reports.map((r) => r.startedAt)),
    endedAt: Math.max(...reports.map((r) => r.endedAt)),
    connected: reports.reduce((s, r) => s + r.connected, 0),
    failed: reports.reduce((s, r) => s + r.failed, 0),
    retries: reports.reduce((s, r) => s + r.retries, 0),
    errors: reports.flatMap((r) => r.errors),
  };
}

/** p50, p99 and max of a list of latencies. */
export function latencySummary(values: readonly number[]): {
  p50: number;
  p99: number;
  max: number;
  count: number;
} {
  return {
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    max: percentile(values, 100),
    count: values.length,
  };
}

/** Throws a loud `BenchError` when the integrity check failed. */
export function assertIntegrity(label: string, report: IntegrityReport): void {
  if (!report.ok) {
    throw new BenchError(
      `INTEGRITY FAILURE (${label}): events lost, duplicated or reordered:\n  ${report.problems.join('\n  ')}`,
    );
  }
}
