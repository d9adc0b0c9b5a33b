/**
 * Redis for tests and benchmarks: where the shared Redis is, whether it answers, a unique key
 * prefix and cleanup under it (never FLUSHALL), a free port, and a private `redis-server` child
 * that a test can kill and start again. Plain JavaScript with a hand-written `redis.d.ts`, so
 * the benchmarks (compiled, run under node) and the test suites (vitest) import the same file.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

/** The Redis the shared tests use: `REDIS_URL`, or the local default. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Under CI the Redis tests must run; locally they are skipped when Redis is missing. */
export const REDIS_REQUIRED = process.env.CI === 'true' || process.env.CI === '1';

/** How to get a Redis for these tests, shown when they are skipped. */
export const START_REDIS_HINT =
  'start one with: redis-server --daemonize yes --port 6379 --save "" --appendonly no';

/**
 * True when a PING to `url` answers within a second.
 * @param {string} [url]
 * @returns {Promise<boolean>}
 */
export async function redisReachable(url = REDIS_URL) {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1_000,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/**
 * A key prefix no other test uses.
 * @returns {string}
 */
export function uniquePrefix() {
  return `cftest:${randomBytes(6).toString('hex')}:`;
}

/**
 * Deletes every key under `prefix` (SCAN, never KEYS or FLUSHALL).
 * @param {string} prefix
 * @param {string} [url]
 * @returns {Promise<void>}
 */
export async function deleteKeys(prefix, url = REDIS_URL) {
  const client = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await client.del(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}

/**
 * A free TCP port on 127.0.0.1 (released before returning).
 * @returns {Promise<number>}
 */
export async function freePort() {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/**
 * True when a `redis-server` binary can be started.
 * @returns {Promise<boolean>}
 */
export async function redisServerAvailable() {
  const child = spawn('redis-server', ['--version'], { stdio: 'ignore' });
  try {
    const [code] = await Promise.race([once(child, 'exit'), once(child, 'error')]);
    return code === 0;
  } catch {
    return false;
  }
}

/**
 * Whether tests that start their own `redis-server` can run: throws under CI when the binary is
 * missing, else writes `<what> skipped: …` on stderr once and returns false.
 * @param {string} what
 * @returns {Promise<boolean>}
 */
export async function redisServerForTests(what) {
  const available = await redisServerAvailable();
  if (!available && REDIS_REQUIRED) {
    throw new Error(`CI=true but redis-server is not installed; ${START_REDIS_HINT}`);
  }
  if (!available) process.stderr.write(`${what} skipped: redis-server is not installed\n`);
  return available;
}

/**
 * `redis-server` arguments for a server whose writes survive a crash: no RDB snapshots, an AOF
 * fsynced on every write, in `dir`.
 * @param {string} dir
 * @returns {string[]}
 */
export function persistentRedisArgs(dir) {
  return ['--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir];
}

/** A `redis-server` child process on a fixed port, which a test can kill and start again. */
export class RedisProcess {
  /** @type {import('node:child_process').ChildProcess | undefined} */
  #child;

  /**
   * @param {number} port
   * @param {readonly string[]} [extraArgs]
   */
  constructor(port, extraArgs = ['--save', '', '--appendonly', 'no']) {
    this.port = port;
    this.extraArgs = extraArgs;
  }

  /** @returns {string} */
  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }

  /**
   * Starts the server and waits until it answers PING.
   * @returns {Promise<void>}
   */
  async start() {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', ...this.extraArgs];
    this.#child = spawn('redis-server', args, { stdio: 'ignore' });
    for (let i = 0; i < 200; i++) {
      if (await redisReachable(this.url)) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`redis-server on port ${this.port} did not start`);
  }

  /**
   * Stops the server (SIGTERM: a clean shutdown that flushes the AOF; SIGKILL: a crash).
   * @param {NodeJS.Signals} [signal]
   * @returns {Promise<void>}
   */
  async stop(signal = 'SIGKILL') {
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill(signal);
    await exited;
  }
}
