/**
 * @causeflow/client — a typed, self-healing SSE client for CauseFlow events (Node 20 and browsers).
 * `openStream` (fetch streaming, bearer header) and `openEventSourceWithTicket` (native EventSource).
 */
export type {
  CauseFlowEvent,
  EventMap,
  EventName,
  StreamResetData,
  ValidationIssue,
} from '@causeflow/events';
export { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF, parseRetryAfter } from './backoff.js';
export type { Handler } from './emitter.js';
export { CauseFlowStreamError, type StreamErrorCode } from './errors.js';
export { type OpenStreamOptions, openStream } from './open-stream.js';
export {
  EVENTS_PATH,
  type EventPage,
  type EventPages,
  type ListEventsOptions,
  listEvents,
  type PagedEvent,
  type SkippedEvent,
} from './rest.js';
export type { CommonStreamOptions, TokenSource } from './shared.js';
export {
  createSseDecoder,
  type SseDecoder,
  type SseDecoderCallbacks,
  type SseMessage,
} from './sse.js';
export {
  CauseFlowStream,
  type DomainEvent,
  type EventDomain,
  type InvalidEvent,
  type StreamEventMap,
  type StreamState,
  type UnknownEvent,
} from './stream.js';
export {
  type EventSourceConstructor,
  fetchTicket,
  openEventSourceWithTicket,
  type StreamTicket,
  type TicketStreamOptions,
} from './ticket.js';
export {
  generateWebhookSecret,
  type SignWebhookInput,
  signWebhook,
  type VerifyWebhookOptions,
  verifyWebhook,
  type WebhookErrorCode,
  type WebhookHeaders,
  WebhookVerificationError,
} from './webhooks.js';
