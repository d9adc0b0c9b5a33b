/**
 * Client harness worker: holds many SSE connections (plain `node:http`, the same code for CauseFlow
 * and the baseline), checks every delivered event's tenant and sequence number, and records
 * receive times on a sample of connections for publish-to-receive latency.
 */
import { Agent, type ClientRequest, type IncomingMessage, request } from 'node:http';
import { BENCH_ID_PATTERN } from '../events.js';
import { serveWorker } from '../harness/ipc.js';

/** One connection to open: tenant index, path (with query) and request headers. */
export interface ConnectTarget {
  readonly tenant: number;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The sequence number this connection already has (default 0: expects 1 first). */
  readonly startSeq?: number;
}

/** Arguments of `connect`. */
export interface ConnectArgs {
  readonly port: number;
  readonly targets: readonly ConnectTarget[];
  /** Connection attempts in flight at once (a storm: all of them). */
  readonly concurrency: number;
  /** Record receive times on every `sampleEvery`-th connection (0: none). */
  readonly sampleEvery: number;
}

/** What `connect` and `storm` report: times are epoch milliseconds (fractional). */
export interface ConnectReport {
  readonly startedAt: number;
  readonly endedAt: number;
  readonly connected: number;
  readonly failed: number;
  readonly retries: number;
  readonly errors: readonly string[];
}

/** What `waitFor` reports. */
export interface WaitReport {
  readonly complete: boolean;
  /** When the last connection received its last expected event (epoch ms). */
  readonly doneAt: number;
  readonly deliveries: number;
  readonly lagging: readonly string[];
}

/** Receive times of one sampled connection: `times[seq]` in epoch ms. */
export interface Sample {
  readonly tenant: number;
  readonly times: readonly (number | null)[];
}

/** The integrity verdict of this worker's connections. */
export interface IntegrityCounts {
  readonly connections: number;
  readonly deliveries: number;
  readonly problemCount: number;
  readonly problems: readonly string[];
}

interface Connection {
  readonly index: number;
  readonly target: ConnectTarget;
  req?: ClientRequest;
  res?: IncomingMessage;
  carry: string;
  lastSeq: number;
  sampled: boolean;
  times: (number | null)[];
  done: boolean;
  closing: boolean;
  open: boolean;
}

const MAX_PROBLEMS = 20;
const agent = new Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
const connections: Connection[] = [];
let deliveries = 0;
let problemCount = 0;
const problems: string[] = [];
let expected: readonly number[] | null = null;
let doneCount = 0;
let waiter: ((report: WaitReport) => void) | null = null;

function now(): number {
  return performance.timeOrigin + performance.now();
}

function problem(text: string): void {
  problemCount++;
  if (problems.length < MAX_PROBLEMS) problems.push(text);
}

function markDone(conn: Connection): void {
  if (conn.done) return;
  conn.done = true;
  doneCount++;
  if (doneCount === connections.length) finishWait(true);
}

function finishWait(complete: boolean): void {
  if (!waiter) return;
  const resolve = waiter;
  waiter = null;
  const lagging = complete
    ? []
    : connections
        .filter((c) => !c.done)
        .slice(0, 5)
        .map(
          (c) =>
            `connection ${c.index} (tenant ${c.target.tenant}) at seq ${c.lastSeq} of ${expected?.[c.target.tenant]}${c.open ? '' : ', closed'}`,
        );
  resolve({ complete, doneAt: now(), deliveries, lagging });
}

function onData(conn: Connection, chunk: string): void {
  const text = conn.carry === '' ? chunk : conn.carry + chunk;
  const end = text.lastIndexOf('\n\n');
  if (end === -1) {
    conn.carry = text;
    return;
  }
  const body = end + 2 === text.length ? text : text.slice(0, end + 2);
  conn.carry = end + 2 === text.length ? '' : text.slice(end + 2);
  const at = conn.sampled ? now() : 0;
  BENCH_ID_PATTERN.lastIndex = 0;
  for (let m = BENCH_ID_PATTERN.exec(body); m !== null; m = BENCH_ID_PATTERN.exec(body)) {
    const tenant = Number(m[1]);
    const seq = Number(m[2]);
    deliveries++;
    if (tenant !== conn.target.tenant) {
      problem(
        `connection ${conn.index}: event of tenant ${tenant} on a stream of ${conn.target.tenant}`,
      );
      continue;
    }
    if (seq !== conn.lastSeq + 1) {
      problem(
        seq <= conn.lastSeq
          ? `connection ${conn.index}: seq ${seq} after ${conn.lastSeq} (duplicate or reordered)`
          : `connection ${conn.index}: seq ${seq} after ${conn.lastSeq} (${seq - conn.lastSeq - 1} lost)`,
      );
    }
    if (seq > conn.lastSeq) conn.lastSeq = seq;
    if (conn.sampled) conn.times[seq] = at;
  }
  if (expected && !conn.done && conn.lastSeq >= (expected[conn.target.tenant] ?? 0)) markDone(conn);
}

function open(
  conn: Connection,
  port: number,
  extraHeaders: Readonly<Record<string, string>> = {},
): Promise<string | null> {
  return new Promise((resolve) => {
    const req = request({
      host: '127.0.0.1',
      port,
      path: conn.target.path,
      headers: { accept: 'text/event-stream', ...conn.target.headers, ...extraHeaders },
      agent,
    });
    conn.req = req;
    let settled = false;
    const settle = (error: string | null) => {
      if (settled) return;
      settled = true;
      resolve(error);
    };
    req.on('error', (error) => settle(error.message));
    req.on('response', (res) => {
      conn.res = res;
      if (res.statusCode !== 200) {
        res.resume();
        settle(`HTTP ${res.statusCode}`);
        return;
      }
      conn.open = true;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => onData(conn, chunk));
      res.on('close', () => {
        if (conn.res !== res) return;
        const wasOpen = conn.open;
        conn.open = false;
        if (wasOpen && !conn.closing) {
          problem(`connection ${conn.index} closed by the server after seq ${conn.lastSeq}`);
          if (waiter && !conn.done) finishWait(false);
        }
      });
      settle(null);
    });
    req.end();
  });
}

/** Opens `targets` with at most `concurrency` attempts in flight; retries failures with backoff. */
async function openAll(
  conns: readonly Connection[],
  port: number,
  concurrency: number,
  headersOf: (c: Connection) => Readonly<Record<string, string>> = () => ({}),
): Promise<ConnectReport> {
  const startedAt = now();
  let next = 0;
  let failed = 0;
  let retries = 0;
  const errors: string[] = [];
  const worker = async () => {
    while (next < conns.length) {
      const conn = conns[next++]!;
      for (let attempt = 0; ; attempt++) {
        const error = await open(conn, port, headersOf(conn));
        if (error === null) break;
        if (errors.length < 5) errors.push(error);
        if (attempt >= 20 || error.startsWith('HTTP 4')) {
          failed++;
          break;
        }
        retries++;
        await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
      }
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(concurrency, conns.length)) }, worker),
  );
  return {
    startedAt,
    endedAt: now(),
    connected: conns.length - failed,
    failed,
    retries,
    errors,
  };
}

function closeConnection(conn: Connection): void {
  conn.closing = true;
  conn.open = false;
  conn.req?.destroy();
  conn.res?.destroy();
}

serveWorker(
  {
    /** Opens connections and resolves once every one has its 200 (or failed). */
    connect(args: ConnectArgs): Promise<ConnectReport> {
      const fresh = args.targets.map((target, i) => {
        const index = connections.length + i;
        return {
          index,
          target,
          carry: '',
          lastSeq: target.startSeq ?? 0,
          sampled: args.sampleEvery > 0 && index % args.sampleEvery === 0,
          times: [],
          done: false,
          closing: false,
          open: false,
        } satisfies Connection;
      });
      connections.push(...fresh);
      return openAll(fresh, args.port, args.concurrency);
    },
    /** Resolves when every connection has received its tenant's event `lastSeq[tenant]`. */
    waitFor(args: { lastSeq: readonly number[]; timeoutMs: number }): Promise<WaitReport> {
      expected = args.lastSeq;
      doneCount = 0;
      for (const c of connections) c.done = false;
      return new Promise((resolve) => {
        const timer = setTimeout(() => finishWait(false), args.timeoutMs);
        waiter = (report) => {
          clearTimeout(timer);
          resolve(report);
        };
        for (const c of connections) {
          if (c.lastSeq >= (args.lastSeq[c.target.tenant] ?? 0)) markDone(c);
        }
        if (connections.length === 0) finishWait(true);
      });
    },
    /** Returns and clears the receive times of sampled connections. */
    takeSamples(): Sample[] {
      const out: Sample[] = [];
      for (const c of connections) {
        if (!c.sampled) continue;
        out.push({ tenant: c.target.tenant, times: c.times });
        c.times = [];
      }
      return out;
    },
    integrity(): IntegrityCounts {
      return { connections: connections.length, deliveries, problemCount, problems };
    },
    /**
     * Drops every connection and reconnects them all at once (a reconnect storm), sending
     * `Last-Event-ID` of the tenant when given.
     */
    async storm(args: { port: number; lastEventIds?: readonly string[] }): Promise<ConnectReport> {
      for (const c of connections) closeConnection(c);
      await new Promise((r) => setTimeout(r, 50));
      for (const c of connections) {
        c.closing = false;
        c.carry = '';
      }
      return openAll(connections, args.port, connections.length, (c): Record<string, string> => {
        const id = args.lastEventIds?.[c.target.tenant];
        return id ? { 'last-event-id': id } : {};
      });
    },
    /** Closes every connection and forgets them (the worker can be reused). */
    async reset(): Promise<void> {
      for (const c of connections) closeConnection(c);
      connections.length = 0;
      deliveries = 0;
      problemCount = 0;
      problems.length = 0;
      expected = null;
      doneCount = 0;
      await new Promise((r) => setTimeout(r, 20));
    },
    usage() {
      return { cpu: process.cpuUsage(), rss: process.memoryUsage.rss() };
    },
  },
  () => {
    for (const c of connections) closeConnection(c);
    agent.destroy();
  },
);
