/**
 * Creates the event log the config asks for (`BUS=memory|redis`). The Redis log reports the
 * entries and notifications it had to skip as unreadable through `onCorrupt` (the server counts
 * them in `causeflow_bus_corrupt_total{source}`).
 */
import type { CorruptSource, EventLog } from '@causeflow/bus';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { ServerMetrics } from './metrics.js';

/** Options of `createEventLog`. */
export interface EventLogOptions {
  readonly config: Pick<Config, 'bus' | 'redisUrl' | 'redisClusterNodes' | 'retention'>;
  readonly logger: Logger;
  /** Called once per unreadable Redis entry or notification skipped (Redis only). */
  readonly onCorrupt?: (source: CorruptSource) => void;
  /** Redis key prefix (the bus default `causeflow:` when omitted; tests use their own). */
  readonly keyPrefix?: string;
}

/**
 * The memory or Redis event log, by `config.bus`.
 * @example
 * const log = await createEventLog({ config, logger, onCorrupt: (source) => counter.inc({ source }) });
 */
export async function createEventLog(options: EventLogOptions): Promise<EventLog> {
  const { config, logger } = options;
  // Loaded on demand so a problem in one implementation never blocks the other.
  const bus = await import('@causeflow/bus');
  const busLogger = logger.child({ component: 'bus' });
  if (config.bus === 'redis') {
    return bus.createRedisEventLog({
      url: config.redisUrl,
      ...(config.redisClusterNodes && { cluster: { nodes: [...config.redisClusterNodes] } }),
      retention: config.retention,
      logger: busLogger,
      ...(options.onCorrupt && { onCorrupt: options.onCorrupt }),
      ...(options.keyPrefix !== undefined && { keyPrefix: options.keyPrefix }),
    });
  }
  return bus.createMemoryEventLog({ retention: config.retention, logger: busLogger });
}

/** Forwards the log's `onCorrupt` reports to the app's metrics, attached once the app exists. */
export interface CorruptCounter {
  /** Pass as the log's `onCorrupt`. */
  readonly onCorrupt: (source: CorruptSource) => void;
  /** Starts counting into `metrics.busCorrupt` (the log is created before the app). */
  attach(metrics: Pick<ServerMetrics, 'busCorrupt'>): void;
}

/**
 * The `onCorrupt` → `causeflow_bus_corrupt_total{source}` wiring of `main.ts`.
 * @example
 * const corrupt = corruptCounter();
 * const log = await createEventLog({ config, logger, onCorrupt: corrupt.onCorrupt });
 * corrupt.attach(createApp({ config, log, logger }).metrics);
 */
export function corruptCounter(): CorruptCounter {
  let metrics: Pick<ServerMetrics, 'busCorrupt'> | undefined;
  return {
    onCorrupt: (source) => metrics?.busCorrupt.inc({ source }),
    attach(target) {
      metrics = target;
    },
  };
}
