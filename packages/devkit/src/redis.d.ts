/** The Redis the shared tests use: `REDIS_URL`, or the local default. */
export declare const REDIS_URL: string;

/** Under CI the Redis tests must run; locally they are skipped when Redis is missing. */
export declare const REDIS_REQUIRED: boolean;

/** How to get a Redis for these tests, shown when they are skipped. */
export declare const START_REDIS_HINT: string;

/**
 * True when a PING to `url` (default `REDIS_URL`) answers within a second.
 * @example
 * const available = await redisReachable();
 */
export function redisReachable(url?: string): Promise<boolean>;

/** A key prefix no other test uses (`cftest:<random>:`). */
export function uniquePrefix(): string;

/**
 * Deletes every key under `prefix` (SCAN, never KEYS or FLUSHALL).
 * @example
 * afterAll(() => deleteKeys(prefix));
 */
export function deleteKeys(prefix: string, url?: string): Promise<void>;

/** A free TCP port on 127.0.0.1 (released before returning). */
export function freePort(): Promise<number>;

/** True when a `redis-server` binary can be started. */
export function redisServerAvailable(): Promise<boolean>;

/**
 * Whether tests that start their own `redis-server` can run: throws under CI when the binary is
 * missing, else writes `<what> skipped: …` on stderr once and returns false.
 * @example
 * const available = await redisServerForTests('Redis fault tests');
 * describe.skipIf(!available)('faults', () => {});
 */
export function redisServerForTests(what: string): Promise<boolean>;

/**
 * `redis-server` arguments for a server whose writes survive a crash: no RDB snapshots, an AOF
 * fsynced on every write, in `dir`.
 * @example
 * const redis = new RedisProcess(await freePort(), persistentRedisArgs(dir));
 */
export function persistentRedisArgs(dir: string): string[];

/**
 * A `redis-server` child process on a fixed port, which a test can kill and start again.
 * @example
 * const redis = new RedisProcess(await freePort());
 * await redis.start();
 * await redis.stop('SIGKILL');
 */
export declare class RedisProcess {
  readonly port: number;
  readonly extraArgs: readonly string[];
  /** `extraArgs` default: no persistence (`--save '' --appendonly no`). */
  constructor(port: number, extraArgs?: readonly string[]);
  get url(): string;
  /** Starts the server and waits until it answers PING. */
  start(): Promise<void>;
  /** Stops the server (SIGTERM: a clean shutdown that flushes the AOF; SIGKILL: a crash, the default). */
  stop(signal?: NodeJS.Signals): Promise<void>;
}
