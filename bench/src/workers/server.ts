/**
 * Server-under-test worker: runs either the CauseFlow stream server (memory or Redis event log)
 * or the raw baseline broadcaster, takes events to publish over IPC, and reports its own CPU
 * time and memory (measured in this process, so the load generators' work never counts).
 */
import type { EventLog, StoredEvent } from '@causeflow/bus';
import { deleteKeys } from '@causeflow/devkit/redis';
import { createBroadcaster } from '../baseline/broadcaster.js';
import { serveWorker } from '../harness/ipc.js';

/** Which server to run. */
export interface ServerSpec {
  readonly kind: 'baseline' | 'causeflow';
  /** CauseFlow only: the event log. */
  readonly bus?: 'memory' | 'redis';
  readonly redisUrl?: string;
  /** Redis key prefix of this run; its keys are deleted when the server stops. */
  readonly keyPrefix?: string;
  readonly heartbeatMs: number;
  readonly retention: number;
  /** Baseline only: the listen backlog (default: Node's 511). CauseFlow uses its `LISTEN_BACKLOG` default. */
  readonly backlog?: number;
}

/** What `start` reports. */
export interface ServerInfo {
  readonly port: number;
  /** Path of the stream endpoint, without tenant selection. */
  readonly streamPath: string;
}

/** CPU time and memory of the server process. */
export interface ServerUsage {
  readonly cpu: NodeJS.CpuUsage;
  readonly rss: number;
  readonly heapUsed: number;
  readonly external: number;
}

interface Running {
  publish(events: readonly Record<string, unknown>[]): Promise<readonly StoredEvent[] | null>;
  token(tenantId: string): Promise<string>;
  close(): Promise<void>;
}

let running: Running | null = null;
/** Publishes run one after another, as a producer awaiting each append would send them. */
let queue: Promise<unknown> = Promise.resolve();

async function startCauseflow(spec: ServerSpec): Promise<{ info: ServerInfo; running: Running }> {
  const { startTestServer } = await import('@causeflow/stream-server/testing');
  let log: EventLog | undefined;
  if (spec.bus === 'redis') {
    const { createRedisEventLog } = await import('@causeflow/bus');
    log = createRedisEventLog({
      url: spec.redisUrl,
      retention: spec.retention,
      keyPrefix: spec.keyPrefix ?? 'causeflow-bench:',
    });
  }
  const server = await startTestServer({
    heartbeatMs: spec.heartbeatMs,
    retention: spec.retention,
    maxConnectionsPerTenant: 1_000_000,
    ...(log ? { log } : {}),
  });
  return {
    info: { port: server.port, streamPath: '/v1/notifications/stream' },
    running: {
      publish: (events) => server.publish([...events]),
      token: (tenantId) => server.token({ tenantId, scope: 'events:read', expiresInSeconds: 3600 }),
      async close() {
        await server.close();
        await log?.close();
        if (spec.bus === 'redis' && spec.keyPrefix) await deleteKeys(spec.keyPrefix, spec.redisUrl);
      },
    },
  };
}

async function startBaseline(spec: ServerSpec): Promise<{ info: ServerInfo; running: Running }> {
  const broadcaster = createBroadcaster({ heartbeatMs: spec.heartbeatMs });
  await new Promise<void>((resolve) =>
    broadcaster.server.listen(
      {
        port: 0,
        host: '127.0.0.1',
        ...(spec.backlog === undefined ? {} : { backlog: spec.backlog }),
      },
      resolve,
    ),
  );
  const address = broadcaster.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    info: { port: address.port, streamPath: '/stream' },
    running: {
      async publish(events) {
        broadcaster.publish(events);
        return null;
      },
      token: async () => '',
      close: () => broadcaster.close(),
    },
  };
}

function usage(): ServerUsage {
  const mem = process.memoryUsage();
  return { cpu: process.cpuUsage(), rss: mem.rss, heapUsed: mem.heapUsed, external: mem.external };
}

serveWorker(
  {
    async start(spec: ServerSpec): Promise<ServerInfo> {
      if (running) throw new Error('already started');
      const started =
        spec.kind === 'baseline' ? await startBaseline(spec) : await startCauseflow(spec);
      running = started.running;
      return started.info;
    },
    tokens(args: { tenantIds: readonly string[] }): Promise<string[]> {
      if (!running) throw new Error('not started');
      const r = running;
      return Promise.all(args.tenantIds.map((t) => r.token(t)));
    },
    /** Publishes events; returns the cursors when asked (CauseFlow only). */
    async publish(args: {
      events: readonly Record<string, unknown>[];
      cursors?: boolean;
    }): Promise<string[] | null> {
      const r = running;
      if (!r) throw new Error('not started');
      const next = queue.then(() => r.publish(args.events));
      queue = next.catch(() => {});
      const stored = await next;
      return args.cursors && stored ? stored.map((s) => s.cursor) : null;
    },
    usage,
    /** Runs a full garbage collection first (the worker runs with --expose-gc). */
    gc(): ServerUsage {
      const gc = (globalThis as { gc?: () => void }).gc;
      if (gc) {
        gc();
        gc();
      }
      return usage();
    },
    async stop(): Promise<void> {
      await running?.close();
      running = null;
    },
  },
  async () => {
    await running?.close();
  },
);
