import { CONTROL_EVENTS, type PingData, type StreamResetData } from '@causeflow/events';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { CONTROL_EVENT_DOCS } from './control.js';

const schemaOf = (name: string) => CONTROL_EVENT_DOCS.find((c) => c.name === name)!.schema;
const keys = (schema: { properties?: unknown }) => Object.keys(schema.properties as object).sort();

describe('control event docs', () => {
  it('documents exactly the control events of @causeflow/events', () => {
    expect(CONTROL_EVENT_DOCS.map((c) => c.name).sort()).toEqual(
      Object.values(CONTROL_EVENTS).sort(),
    );
  });

  it('has the properties of PingData and StreamResetData, all required', () => {
    const ping: Record<keyof PingData, true> = { timestamp: true };
    const reset: Record<keyof StreamResetData, true> = {
      reason: true,
      lastEventId: true,
      message: true,
    };
    expect(keys(schemaOf('ping'))).toEqual(Object.keys(ping).sort());
    expect(keys(schemaOf('stream.reset'))).toEqual(Object.keys(reset).sort());
    expect((schemaOf('stream.reset').required as string[]).sort()).toEqual(
      Object.keys(reset).sort(),
    );
  });

  it('lists the reset reasons of StreamResetData, and examples of the right type', () => {
    const reasons = (schemaOf('stream.reset').properties as { reason: { enum: string[] } }).reason
      .enum;
    expect(reasons).toEqual(['unknown_cursor', 'cursor_trimmed']);
    expectTypeOf<StreamResetData['reason']>().toEqualTypeOf<'unknown_cursor' | 'cursor_trimmed'>();
    const example = CONTROL_EVENT_DOCS[1]!.example as StreamResetData;
    expect(reasons).toContain(example.reason);
  });
});
