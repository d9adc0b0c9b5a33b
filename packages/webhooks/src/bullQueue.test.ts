import { describe, expect, it } from 'vitest';
import { parseJob } from './bullQueue.js';

const job = {
  tenantId: 'ten_a',
  endpointId: 'whk_1',
  deliveryId: 'dlv_1',
  eventId: 'evt_1',
  event: 'incident.created',
  cursor: 'c.1-0',
  body: '{}',
  attempt: 0,
};

describe('jobs read back from Redis', () => {
  it('are accepted when every field has its type', () => {
    expect(parseJob(job)).toEqual(job);
  });

  it.each([
    null,
    'text',
    { ...job, attempt: -1 },
    { ...job, attempt: 1.5 },
    { ...job, body: 3 },
    { ...job, tenantId: undefined },
  ])('are refused when malformed (%j)', (data) => expect(parseJob(data)).toBeUndefined());
});
