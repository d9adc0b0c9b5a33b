/**
 * @causeflow/events: the CauseFlow event contract.
 * Generated from schemas/: types, standalone validators and the catalog; plus a small typed API.
 */
import { EVENT_CATALOG } from './generated/catalog.js';
import type { EventMap, EventName } from './generated/types.js';

export {
  CONTROL_EVENTS,
  type PingData,
  type StreamResetData,
  type StreamResetReason,
} from './control.js';
export {
  type EventDomain,
  type EventFilter,
  type EventFilterResult,
  type EventPattern,
  isEventPattern,
  parseEventFilter,
} from './filter.js';
export {
  type CatalogChange,
  type CatalogDomain,
  type CatalogEntry,
  DOMAINS,
  type DomainKey,
  EVENT_NAMES,
} from './generated/catalog.js';
export { ID_PATTERNS, type IdKind } from './generated/ids.js';
export type * from './generated/types.js';
export {
  checkLifecycle,
  INCIDENT_LIFECYCLE,
  type LifecycleBranchStep,
  type LifecycleEventLike,
  type LifecycleEventStep,
  type LifecyclePhase,
  type LifecyclePhaseKey,
  type LifecycleStep,
  lifecyclePattern,
} from './lifecycle.js';
export {
  assertEvent,
  EventValidationError,
  isEventName,
  type ValidateOptions,
  type ValidationIssue,
  type ValidationMode,
  type ValidationResult,
  validateEvent,
} from './validate.js';

/** The catalog: per event name, its domain, title, description, when-emitted text and examples. */
export const eventCatalog = EVENT_CATALOG;

/** The envelope type of one event. @example type E = EventOf<'incident.created'>; */
export type EventOf<N extends EventName> = EventMap[N];

/** The payload type of one event. @example const d: DataOf<'remediation.approved'> = e.data; */
export type DataOf<N extends EventName> = EventMap[N]['data'];
