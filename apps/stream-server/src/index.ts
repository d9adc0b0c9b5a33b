/**
 * @causeflow/stream-server — the Koa app serving the CauseFlow event stream (SSE), validated
 * ingest, stream tickets, health and metrics. `main.ts` runs it; `createApp` embeds it.
 */
export { type AppDeps, createApp, type RunningServer, type StreamServerApp } from './app.js';
export {
  createTokenVerifier,
  type Principal,
  PUBLISH_SCOPE,
  READ_SCOPE,
  TENANT_ID_PATTERN,
  type TokenVerifier,
} from './auth.js';
export {
  type AuthConfig,
  CONFIG_DEFAULTS,
  type Config,
  createConfig,
  type LogLevel,
  loadConfig,
} from './config.js';
export { StreamServerError } from './errors.js';
export { eventFrame, type HubStats } from './hub.js';
export type { DisconnectReason, ServerMetrics } from './metrics.js';
export {
  type AuthPrincipal,
  type AuthState,
  type RequireAuthOptions,
  requireAuth,
  type TenantPrincipal,
} from './middleware/auth.js';
export type { IngestResponse } from './routes/ingest.js';
export { STREAM_HEADERS } from './routes/stream.js';
export {
  createEventGenerator,
  type EventGenerator,
  type GeneratorOptions,
  type Random,
  type Simulator,
  seededRandom,
  startSimulator,
} from './simulator.js';
export { formatComment, formatFrame, formatRetry, type SseFrame } from './sse.js';
export {
  createMemoryTicketStore,
  type IssuedTicket,
  type TicketGrant,
  type TicketLimits,
  type TicketStore,
} from './tickets.js';
export { createRedisTicketStore, type RedisTicketStoreOptions } from './ticketsRedis.js';
export { signToken, type TokenClaims } from './tokens.js';
