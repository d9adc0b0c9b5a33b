/** @causeflow/webhooks — signed, durable, SSRF-safe webhook delivery of CauseFlow events. */
export { createBullQueue } from './bullQueue.js';
export {
  loadWebhookConfig,
  parseDuration,
  parseRetrySchedule,
  WEBHOOK_DEFAULTS,
  type WebhookConfig,
} from './config.js';
export { activeSecrets, deliveryHeaders, retryDelay, USER_AGENT } from './deliver.js';
export {
  checkUrl,
  type DestinationPolicy,
  guardedLookup,
  isBlockedAddress,
  type Resolver,
  systemResolver,
} from './destination.js';
export { deliveryIdFor } from './dispatcher.js';
export { createEndpointsApi, type EndpointsApi, toEndpoint } from './endpoints.js';
export { WebhookError } from './errors.js';
export { type DeliveriesQuery, parseDeliveriesQuery } from './input.js';
export { createMemoryQueue, type DeliveryQueue } from './queue.js';
export { createRedisWebhookStore } from './redisStore.js';
export { type AttemptOutcome, createSender, parseRetryAfter, type Sender } from './send.js';
export {
  createWebhooks,
  type WebhookStorage,
  type Webhooks,
  type WebhooksOptions,
} from './service.js';
export { generateSecret, sign } from './signature.js';
export { createMemoryWebhookStore, type DeliveryPage, type WebhookStore } from './store.js';
export type * from './types.js';
