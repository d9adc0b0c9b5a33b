/**
 * Worker processes and a tiny request/response protocol over their IPC channel. Load generators
 * and servers under test run in their own processes; the orchestrator only sends commands.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fileLimitPlan } from './limits.js';
import { BenchError } from './types.js';

/** The worker programs of this package. */
export type WorkerName = 'server' | 'clients';

interface Request {
  readonly rpc: number;
  readonly op: string;
  readonly args: unknown;
}

type Reply =
  | { readonly rpc: number; readonly ok: true; readonly result: unknown }
  | { readonly rpc: number; readonly ok: false; readonly error: string };

const here = import.meta.url;
/** Running from src (tests, through tsx) or from dist (the `bench` script). */
const fromSource = here.endsWith('.ts');
const packageRoot = fileURLToPath(new URL('../../', here));

/** A started worker: call its operations, then close it. */
export interface Worker {
  readonly child: ChildProcess;
  call<T>(op: string, args?: unknown, timeoutMs?: number): Promise<T>;
  /** Asks the worker to exit and waits for it (kills it after `graceMs`). */
  close(graceMs?: number): Promise<void>;
}

/**
 * Starts `src/workers/<name>` in a new Node process with `serialization: 'advanced'`.
 * `openFiles` raises the child's descriptor limit through `sh -c 'ulimit -n'` when needed.
 */
export function startWorker(
  name: WorkerName,
  options: { execArgv?: readonly string[]; openFiles?: number; env?: NodeJS.ProcessEnv } = {},
): Worker {
  const file = fileURLToPath(new URL(`../workers/${name}.${fromSource ? 'ts' : 'js'}`, here));
  const execArgv = [...(fromSource ? ['--import', 'tsx'] : []), ...(options.execArgv ?? [])];
  const plan = fileLimitPlan(options.openFiles ?? 0);
  if (plan.kind === 'impossible') {
    throw new BenchError(
      `the ${name} worker needs ${options.openFiles} open files but the hard limit is ${plan.hard}; ` +
        'raise it (ulimit -Hn, /etc/security/limits.conf or the container settings)',
    );
  }
  const env = { ...process.env, ...options.env };
  const stdio: ('ignore' | 'inherit' | 'ipc')[] = ['ignore', 'inherit', 'inherit', 'ipc'];
  const child =
    plan.kind === 'raise'
      ? spawn(
          '/bin/sh',
          ['-c', `ulimit -n ${plan.to} && exec "$0" "$@"`, process.execPath, ...execArgv, file],
          { cwd: packageRoot, env, stdio, serialization: 'advanced' },
        )
      : fork(file, [], { cwd: packageRoot, env, execArgv, stdio, serialization: 'advanced' });

  let nextId = 1;
  const pending = new Map<
    number,
    { resolve(v: unknown): void; reject(e: Error): void; timer?: NodeJS.Timeout }
  >();
  let exited: Error | undefined;
  child.on('message', (message: Reply) => {
    const entry = pending.get(message.rpc);
    if (!entry) return;
    pending.delete(message.rpc);
    if (entry.timer) clearTimeout(entry.timer);
    if (message.ok) entry.resolve(message.result);
    else entry.reject(new BenchError(`${name} worker: ${message.error}`));
  });
  const onGone = (code: number | null, signal: NodeJS.Signals | null) => {
    exited = new BenchError(`${name} worker exited (code ${code}, signal ${signal})`);
    for (const entry of pending.values()) {
      if (entry.timer) clearTimeout(entry.timer);
      entry.reject(exited);
    }
    pending.clear();
  };
  child.on('exit', onGone);
  child.on('error', (error) => {
    exited = new BenchError(`${name} worker failed: ${error.message}`, { cause: error });
  });

  return {
    child,
    call<T>(op: string, args?: unknown, timeoutMs = 120_000): Promise<T> {
      if (exited) return Promise.reject(exited);
      const rpc = nextId++;
      return new Promise<T>((resolve, reject) => {
        const entry: { resolve(v: unknown): void; reject(e: Error): void; timer?: NodeJS.Timeout } =
          { resolve: resolve as (v: unknown) => void, reject };
        entry.timer = setTimeout(() => {
          pending.delete(rpc);
          reject(new BenchError(`${name} worker: ${op} timed out after ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(rpc, entry);
        child.send({ rpc, op, args } satisfies Request);
      });
    },
    async close(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      if (child.connected) child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await gone;
      clearTimeout(timer);
    },
  };
}

/** Handlers of a worker's operations. */
export type Handlers = Record<string, (args: never) => unknown>;

/**
 * Serves `handlers` on this process's IPC channel; `onExit` runs when the parent disconnects
 * (then the process exits, so no worker outlives its orchestrator).
 */
export function serveWorker(handlers: Handlers, onExit?: () => Promise<void> | void): void {
  if (!process.send) throw new Error('this program is a worker: start it with startWorker()');
  process.on('message', async (message: Request) => {
    const handler = handlers[message.op] as ((args: unknown) => unknown) | undefined;
    try {
      if (!handler) throw new Error(`unknown operation ${message.op}`);
      const result = await handler(message.args);
      process.send?.({ rpc: message.rpc, ok: true, result } satisfies Reply);
    } catch (error) {
      const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
      process.send?.({ rpc: message.rpc, ok: false, error: text } satisfies Reply);
    }
  });
  process.on('disconnect', async () => {
    try {
      await onExit?.();
    } finally {
      process.exit(0);
    }
  });
}
