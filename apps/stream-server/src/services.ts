import type { EventLog } from '@causeflow/bus';
import type { Logger } from 'pino';
import type { TokenVerifier } from './auth.js';
import type { Config } from './config.js';
import type { StreamHub } from './hub.js';
import type { ServerMetrics } from './metrics.js';
import type { TicketStore } from './tickets.js';

/** What route handlers share: built once by `createApp`. */
export interface Services {
  readonly config: Config;
  readonly log: EventLog;
  readonly logger: Logger;
  readonly metrics: ServerMetrics;
  readonly hub: StreamHub;
  readonly tickets: TicketStore;
  readonly verifier: TokenVerifier;
  readonly now: () => number;
  /** True once `drain()` was called: new streams are refused. */
  readonly isDraining: () => boolean;
}
