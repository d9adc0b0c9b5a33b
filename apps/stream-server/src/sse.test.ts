import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { describe, expect, it } from 'vitest';
import { formatComment, formatFrame, formatRetry } from './sse.js';

function parse(text: string): { messages: EventSourceMessage[]; retry: number | undefined } {
  const messages: EventSourceMessage[] = [];
  let retry: number | undefined;
  const parser = createParser({
    onEvent: (m) => messages.push(m),
    onRetry: (ms) => {
      retry = ms;
    },
  });
  parser.feed(text);
  return { messages, retry };
}

describe('formatFrame', () => {
  it('writes id, event and data lines followed by a blank line', () => {
    expect(formatFrame({ id: '7', event: 'incident.created', data: '{"a":1}' })).toBe(
      'id: 7\nevent: incident.created\ndata: {"a":1}\n\n',
    );
  });

  it('omits id and event when they are not given', () => {
    expect(formatFrame({ data: 'x' })).toBe('data: x\n\n');
  });

  it('splits multi-line data into one data line per line, whatever the line break', () => {
    expect(formatFrame({ data: 'a\nb\r\nc\rd' })).toBe('data: a\ndata: b\ndata: c\ndata: d\n\n');
  });

  it('round-trips through a spec-compliant parser, including multi-line data', () => {
    const data = 'line one\nline two\n\nafter a blank';
    const { messages } = parse(formatFrame({ id: 'c-1', event: 'ping', data }));
    expect(messages).toEqual([{ id: 'c-1', event: 'ping', data }]);
  });

  it('refuses CR or LF in the event name', () => {
    expect(() => formatFrame({ event: 'a\nid: evil', data: 'x' })).toThrow(TypeError);
    expect(() => formatFrame({ event: 'a\rb', data: 'x' })).toThrow(/CR or LF/);
  });

  it('refuses CR, LF or NUL in the id', () => {
    expect(() => formatFrame({ id: '1\n', data: 'x' })).toThrow(TypeError);
    expect(() => formatFrame({ id: '1\r2', data: 'x' })).toThrow(TypeError);
    expect(() => formatFrame({ id: '1\u00002', data: 'x' })).toThrow(/NUL/);
  });
});

describe('formatRetry', () => {
  it('writes a retry field the parser reports', () => {
    expect(formatRetry(2500)).toBe('retry: 2500\n\n');
    expect(parse(formatRetry(2500)).retry).toBe(2500);
  });

  it('refuses negative or fractional delays', () => {
    expect(() => formatRetry(-1)).toThrow(RangeError);
    expect(() => formatRetry(1.5)).toThrow(RangeError);
  });
});

describe('formatComment', () => {
  it('writes comment lines that dispatch no event', () => {
    const text = formatComment('hello\nworld');
    expect(text).toBe(': hello\n: world\n\n');
    expect(parse(text).messages).toEqual([]);
  });
});
