/** @causeflow/bus — the event log interface and its implementations. */
export * from './errors.js';
export type * from './types.js';
