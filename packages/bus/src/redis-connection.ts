/**
 * The Redis connections of the Redis event log: how the command connection (one Redis or a
 * cluster) and the fan-out's subscriber connection are made from the log's options, with
 * fail-fast defaults; logging an outage once; closing. No event-log logic here.
 */
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import { BusError } from './errors.js';
import type { BusLogger } from './types.js';

/** One seed node of a Redis Cluster. */
export interface RedisClusterNode {
  readonly host: string;
  readonly port: number;
}

/** Redis Cluster mode of `createRedisEventLog`: seed nodes, and ioredis `Cluster` options. */
export interface RedisClusterConfig {
  /** Seed nodes; the subscriber connection also rotates through them when its node fails. */
  readonly nodes: readonly RedisClusterNode[];
  /** ioredis cluster options, merged over this log's defaults (fail fast, no offline queue). */
  readonly options?: ClusterOptions;
}

/** Where to connect: the subset of `RedisEventLogOptions` about connections. */
export interface RedisEndpointOptions {
  readonly url?: string;
  readonly cluster?: RedisClusterConfig;
  readonly redis?: RedisOptions;
}

/** The resolved connection settings of one log instance. */
export interface RedisEndpoint {
  /** Seed nodes in cluster mode, else undefined. */
  readonly nodes: readonly RedisClusterNode[] | undefined;
  /** Opens the command connection (a `Cluster` in cluster mode). */
  openCommands(): Redis | Cluster;
  /** Source of subscriber connections for the fan-out. */
  readonly subscribers: SubscriberSource;
}

/**
 * Makes the fan-out's subscriber connections: one Redis, or (cluster mode) the next seed node in
 * turn each time.
 */
export interface SubscriberSource {
  /** Opens a subscriber connection (the fan-out subscribes itself; no auto-resubscribe). */
  open(): Redis;
  /**
   * Called when ioredis has given up on a subscriber connection: how long to wait before opening
   * the next one, or undefined when it never gives up (single Redis: it keeps retrying itself).
   */
  nextPauseMs(): number | undefined;
}

/** Resolves the options into connection settings (throws `BusError` on empty `cluster.nodes`). */
export function resolveEndpoint(options: RedisEndpointOptions): RedisEndpoint {
  const redisOptions: RedisOptions = {
    // Fail fast instead of queueing while Redis is unreachable; an append in flight when the
    // connection drops fails rather than being re-sent (it may or may not have been applied).
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: 5_000,
    connectTimeout: 5_000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
    ...options.redis,
  };
  // The subscriber waits for its replies (SUBSCRIBE is sent while connecting) and subscribes again
  // itself after a reconnect, to catch up first.
  const subscriberDefaults = {
    enableOfflineQueue: true,
    autoResubscribe: false,
    commandTimeout: undefined,
  } satisfies RedisOptions;
  const cluster = options.cluster;
  if (!cluster) {
    const url = options.url ?? 'redis://127.0.0.1:6379';
    const subscriberOptions = { ...redisOptions, ...subscriberDefaults };
    return {
      nodes: undefined,
      openCommands: () => new Redis(url, redisOptions),
      subscribers: { open: () => new Redis(url, subscriberOptions), nextPauseMs: () => undefined },
    };
  }
  if (cluster.nodes.length === 0) throw new BusError('cluster.nodes must not be empty');
  const nodes = cluster.nodes;
  const clusterOptions: ClusterOptions = {
    enableOfflineQueue: false,
    clusterRetryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
    ...cluster.options,
    redisOptions: { ...redisOptions, ...cluster.options?.redisOptions },
  };
  const subscriberOptions: RedisOptions = {
    ...clusterOptions.redisOptions,
    ...subscriberDefaults,
    // Give up on a node after a few attempts and move on to the next seed node.
    retryStrategy: (attempt) => (attempt > 3 ? null : attempt * 100),
  };
  let turn = 0;
  return {
    nodes,
    openCommands: () =>
      new Cluster(
        nodes.map(({ host, port }) => ({ host, port })),
        clusterOptions,
      ),
    subscribers: {
      open: () => new Redis({ ...subscriberOptions, ...nodes[turn++ % nodes.length]! }),
      // A pause once every node was tried, then round again.
      nextPauseMs: () => (turn % nodes.length === 0 ? 500 : 0),
    },
  };
}

/**
 * Logs a connection's outage once (ioredis reports every failed reconnect) and its recovery.
 * One per role ('commands', 'subscriber'); a role's later connections share its state.
 */
export class OutageReporter {
  #down = false;

  constructor(
    private readonly role: string,
    private readonly logger: BusLogger | undefined,
    private readonly closed: () => boolean,
  ) {}

  /** Reports the outages and recoveries of `connection`. */
  watch(connection: Redis | Cluster): void {
    connection.on('error', (err: Error) => {
      if (this.closed() || this.#down) return;
      this.#down = true;
      this.logger?.warn({ err, role: this.role }, 'redis connection lost; retrying');
    });
    connection.on('ready', () => {
      if (!this.#down) return;
      this.#down = false;
      this.logger?.info({ role: this.role }, 'redis connection restored');
    });
  }
}

/** Closes a connection: QUIT when it is up, then disconnect (never throws). */
export async function quit(connection: Redis | Cluster): Promise<void> {
  if (connection.status === 'ready') {
    try {
      await connection.quit();
    } catch {
      // Closing anyway.
    }
  }
  connection.disconnect();
}
