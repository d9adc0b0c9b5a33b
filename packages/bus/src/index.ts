/** @causeflow/bus — the event log interface and its implementations. */
export { MAX_BATCH_ISSUES } from './batch.js';
export * from './errors.js';
export { createMemoryEventLog, type MemoryEventLogOptions } from './memory.js';
export { type CorruptSource, createRedisEventLog, type RedisEventLogOptions } from './redis.js';
export type * from './types.js';
