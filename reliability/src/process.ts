/**
 * Child processes the checks need: the real stream server (`dist/main.js`, configured by env like
 * production) and a private `redis-server`. Measurements (RSS, open fds) come from /proc.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, sleep, until } from './net.js';
import { HEAP_DIR, SERVER_MAIN_OVERRIDE } from './scale.js';

const SERVER_MAIN =
  SERVER_MAIN_OVERRIDE ??
  join(dirname(fileURLToPath(import.meta.resolve('@causeflow/stream-server'))), 'main.js');
/** Preload giving the child a SIGUSR2 → full GC hook (heap measurements without garbage). */
const GC_PRELOAD = join(dirname(fileURLToPath(import.meta.url)), 'gc-preload.cjs');

/** Keeps the last `limit` characters written to a stream (diagnostics of a child). */
function tail(limit: number): { push(chunk: Buffer): void; text(): string } {
  let text = '';
  return {
    push(chunk) {
      text = (text + chunk.toString('utf8')).slice(-limit);
    },
    text: () => text,
  };
}

/** A stream server running in its own process. */
export interface ServerProcess {
  readonly pid: number;
  readonly port: number;
  readonly url: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or signal) once the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Last output of the process (stdout + stderr). */
  output(): string;
  /** Resident set size in bytes, from /proc/<pid>/status. */
  rss(): number;
  /** Number of open file descriptors, from /proc/<pid>/fd. */
  fds(): number;
  /** Numeric samples of GET /metrics, by metric name plus labels. */
  metrics(): Promise<Map<string, number>>;
  /** Sends a signal (default SIGKILL) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Runs a full GC in the server (SIGUSR2 hook of the preload) and waits a moment. */
  gc(): Promise<void>;
}

/** Reads `VmRSS` of a process, in bytes. */
export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match === null ? Number.NaN : Number(match[1]) * 1024;
}

/** Counts the open file descriptors of a process. */
export function fdsOf(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** Parses the Prometheus text format into `name{labels}` → value. */
export function parseMetrics(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    values.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return values;
}

/**
 * Starts `causeflow-stream-server` (dist/main.js) with `env` on a free port (or `port`) and
 * waits until `/healthz` answers.
 * @example
 * const server = await startServerProcess({ env: { JWT_SECRET: secret, BUS: 'memory' } });
 */
export async function startServerProcess(options: {
  env: Record<string, string>;
  port?: number;
  nodeArgs?: string[];
  /** Receives everything the process writes to stdout and stderr (e.g. to search all logs). */
  onOutput?: (chunk: Buffer) => void;
}): Promise<ServerProcess> {
  const port = options.port ?? (await freePort());
  const out = tail(20_000);
  const child = spawn(
    process.execPath,
    ['--expose-gc', '--require', GC_PRELOAD, ...(options.nodeArgs ?? []), SERVER_MAIN],
    {
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: String(port),
        LOG_LEVEL: 'warn',
        ...(HEAP_DIR === undefined ? {} : { RELIABILITY_HEAP_DIR: HEAP_DIR }),
        SIMULATE: '0',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout?.on('data', out.push);
  child.stderr?.on('data', out.push);
  if (options.onOutput !== undefined) {
    child.stdout?.on('data', options.onOutput);
    child.stderr?.on('data', options.onOutput);
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const url = `http://127.0.0.1:${port}`;
  await until(
    async () => {
      if (gone) throw new Error(`stream server exited during startup:\n${out.text()}`);
      try {
        return (await fetch(`${url}/healthz`)).ok;
      } catch {
        return false;
      }
    },
    { timeoutMs: 20_000, intervalMs: 50, what: 'the stream server to listen' },
  );
  const pid = child.pid!;
  return {
    pid,
    port,
    url,
    child,
    exited,
    output: out.text,
    rss: () => rssOf(pid),
    fds: () => fdsOf(pid),
    async metrics() {
      return parseMetrics(await (await fetch(`${url}/metrics`)).text());
    },
    async gc() {
      if (!gone) child.kill('SIGUSR2');
      await sleep(300);
    },
    async kill(signal = 'SIGKILL') {
      if (!gone) child.kill(signal);
      await exited;
    },
  };
}

/** A private redis-server. */
export interface RedisProcess {
  readonly port: number;
  readonly url: string;
  /** SIGKILL (no shutdown save). */
  kill(): Promise<void>;
  /** Starts it again on the same port and data directory; resolves when it answers PING. */
  restart(): Promise<void>;
  /** Kills it and removes its data directory. */
  stop(): Promise<void>;
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
    socket.once('connect', () => socket.write('PING\r\n'));
  });
}

/**
 * Starts `redis-server` on a free port with its own temp directory. `appendOnly` turns on the AOF
 * with `appendfsync always`, so a SIGKILL loses nothing acknowledged.
 * @example
 * const redis = await startRedis({ appendOnly: true });
 */
export async function startRedis(options: { appendOnly: boolean }): Promise<RedisProcess> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'causeflow-redis-'));
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  async function launch(): Promise<void> {
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--dir',
      dir,
      '--daemonize',
      'no',
    ];
    args.push('--appendonly', options.appendOnly ? 'yes' : 'no');
    if (options.appendOnly) args.push('--appendfsync', 'always');
    const proc = spawn('redis-server', args, { stdio: 'ignore' });
    child = proc;
    exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    await until(() => ping(port), {
      timeoutMs: 10_000,
      intervalMs: 25,
      what: 'redis-server to answer PING',
    });
  }
  await launch();
  const kill = async (): Promise<void> => {
    if (child !== undefined && child.exitCode === null && child.signalCode === null)
      child.kill('SIGKILL');
    await exited;
    await sleep(10);
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    restart: launch,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
