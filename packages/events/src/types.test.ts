/**
 * Type contracts of @causeflow/events. These assertions are checked by `pnpm typecheck` (tsc over
 * src and test); at run time vitest only sees that the file loads.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  assertEvent,
  type CatalogEntry,
  type CauseFlowEvent,
  type DataOf,
  EVENT_NAMES,
  type EventEnvelope,
  type EventName,
  type EventOf,
  eventCatalog,
  type IncidentCreatedData,
  type IncidentCreatedEvent,
  isEventName,
  parseEventFilter,
  type RemediationApprovedData,
  type Severity,
  type StreamResetData,
  validateEvent,
} from './index.js';

type AllNames =
  | 'tenant.created'
  | 'tenant.updated'
  | 'user.created'
  | 'user.updated'
  | 'user.deleted'
  | 'incident.created'
  | 'incident.status_changed'
  | 'investigation.progress'
  | 'investigation.completed'
  | 'investigation.known_solution_found'
  | 'remediation.proposed'
  | 'remediation.approved'
  | 'remediation.rejected'
  | 'remediation.executed'
  | 'integration.connected'
  | 'integration.disconnected'
  | 'trigger.created'
  | 'trigger.deleted'
  | 'trigger.event_received'
  | 'knowledge.pattern_extracted';

describe('the type contract', () => {
  it('EventName is the union of the 20 catalog names', () => {
    expect(EVENT_NAMES).toHaveLength(20);
    expectTypeOf<EventName>().toEqualTypeOf<AllNames>();
    expectTypeOf<CauseFlowEvent['event']>().toEqualTypeOf<EventName>();
  });

  it('narrowing on event gives the data of that event', () => {
    const describeEvent = (e: CauseFlowEvent): string => {
      if (e.event === 'incident.created') {
        expectTypeOf(e).toEqualTypeOf<IncidentCreatedEvent>();
        expectTypeOf(e.data).toEqualTypeOf<IncidentCreatedData>();
        expectTypeOf(e.data.severity).toEqualTypeOf<Severity>();
        expectTypeOf(e.data.createdBy).toEqualTypeOf<string | undefined>();
        return e.data.title;
      }
      if (e.event === 'remediation.approved') {
        expectTypeOf(e.data).toEqualTypeOf<RemediationApprovedData>();
        // @ts-expect-error severity is a field of incident.created, not of remediation.approved
        return e.data.severity;
      }
      // @ts-expect-error without narrowing, data is a union and title is not on every member
      return e.data.title;
    };
    expectTypeOf(describeEvent).parameter(0).toEqualTypeOf<CauseFlowEvent>();
  });

  it("EventOf<'incident.created'>['data']['severity'] is the Severity union", () => {
    expectTypeOf<EventOf<'incident.created'>['data']['severity']>().toEqualTypeOf<
      'critical' | 'high' | 'medium' | 'low'
    >();
    expectTypeOf<EventOf<'incident.created'>>().toEqualTypeOf<IncidentCreatedEvent>();
  });

  it('DataOf<N> is the payload of N', () => {
    expectTypeOf<DataOf<'remediation.approved'>>().toEqualTypeOf<RemediationApprovedData>();
    expectTypeOf<DataOf<'remediation.proposed'>['steps']>().toEqualTypeOf<[string, ...string[]]>();
    // @ts-expect-error not an event name
    type _Bad = DataOf<'incident.exploded'>;
  });

  it('every event is an EventEnvelope of its name and data', () => {
    expectTypeOf<IncidentCreatedEvent>().toExtend<
      EventEnvelope<'incident.created', IncidentCreatedData>
    >();
    expectTypeOf<CauseFlowEvent>().toExtend<EventEnvelope<EventName>>();
  });

  it('validateEvent narrows to CauseFlowEvent on ok, to issues otherwise', () => {
    const result = validateEvent({});
    if (result.ok) expectTypeOf(result.event).toEqualTypeOf<CauseFlowEvent>();
    else expectTypeOf(result.errors[0]!.path).toEqualTypeOf<string>();
  });

  it('assertEvent and isEventName are type guards', () => {
    const value: unknown = null;
    if (isEventName(value)) expectTypeOf(value).toEqualTypeOf<EventName>();
    expectTypeOf(assertEvent).returns.toEqualTypeOf<void>();
    expectTypeOf(assertEvent).asserts.toEqualTypeOf<CauseFlowEvent>();
  });

  it('catalog entries carry typed examples', () => {
    expectTypeOf(eventCatalog['incident.created']).toEqualTypeOf<
      CatalogEntry<'incident.created'>
    >();
    expectTypeOf(eventCatalog['incident.created'].examples[0]).toEqualTypeOf<
      IncidentCreatedEvent | undefined
    >();
  });

  it('parseEventFilter returns names typed as EventName', () => {
    const result = parseEventFilter('incident.*');
    if (result.ok) expectTypeOf(result.filter.names).toEqualTypeOf<ReadonlySet<EventName>>();
    else expectTypeOf(result.unknown).toEqualTypeOf<readonly string[]>();
  });

  it("StreamResetData's reason is one of the two reset reasons", () => {
    expectTypeOf<StreamResetData['reason']>().toEqualTypeOf<'unknown_cursor' | 'cursor_trimmed'>();
  });
});
