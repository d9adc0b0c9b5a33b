/**
 * Redis for this package's integration tests (several instances sharing one Redis): where it is,
 * whether it answers, and cleanup of a test's keys. Raw RESP over a socket, so the server package
 * needs no Redis client of its own. Each test uses a unique key prefix; never FLUSHALL.
 */
import { once } from 'node:events';
import { connect } from 'node:net';

/** The Redis the tests use: `REDIS_URL`, or the local default. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Under CI the Redis tests must run; locally they are skipped (with a notice) without Redis. */
export const REDIS_REQUIRED = process.env.CI === 'true' || process.env.CI === '1';
/** How to get a Redis for these tests. */
export const REDIS_HINT =
  'start one with: redis-server --daemonize yes --port 6379 --save "" --appendonly no';

/** Sends one command over RESP and returns the raw reply (enough for test setup/cleanup). */
export async function redisCommand(args: readonly string[], timeoutMs = 1_000): Promise<string> {
  const url = new URL(REDIS_URL);
  const socket = connect(Number(url.port || 6379), url.hostname);
  socket.setTimeout(timeoutMs, () => socket.destroy(new Error('redis timeout')));
  try {
    await once(socket, 'connect');
    const frame = `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
    socket.write(frame);
    const [chunk] = (await once(socket, 'data')) as [Buffer];
    return chunk.toString();
  } finally {
    socket.destroy();
  }
}

/** True when Redis at `REDIS_URL` answers PING. */
export async function redisUp(): Promise<boolean> {
  try {
    return (await redisCommand(['PING'])).startsWith('+PONG');
  } catch {
    return false;
  }
}

/** Deletes every key under `prefix`. */
export async function deleteKeys(prefix: string): Promise<void> {
  const script = "for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) end";
  await redisCommand(['EVAL', script, '0', `${prefix}*`]);
}
