import { describe, expect, it } from 'vitest';
import { DocsError } from './schema.js';
import { sseFrame } from './sse.js';

describe('sseFrame', () => {
  it('writes id, event and the data as one line of compact JSON, then a blank line', () => {
    expect(sseFrame({ id: '17-0', event: 'incident.created', data: { a: 'x\ny', b: [1] } })).toBe(
      'id: 17-0\nevent: incident.created\ndata: {"a":"x\\ny","b":[1]}\n\n',
    );
  });

  it('omits id: for control frames', () => {
    expect(sseFrame({ event: 'ping', data: { timestamp: 't' } })).toBe(
      'event: ping\ndata: {"timestamp":"t"}\n\n',
    );
  });

  it('refuses CR or LF in id and event', () => {
    expect(() => sseFrame({ id: '1\n2', event: 'x', data: 1 })).toThrow(DocsError);
    expect(() => sseFrame({ event: 'x\rdata: y', data: 1 })).toThrow(/CR or LF/);
  });
});
