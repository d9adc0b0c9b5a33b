import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSseDecoder, type SseMessage } from './sse.js';

function decode(chunks: readonly Uint8Array[]): { messages: SseMessage[]; retries: number[] } {
  const messages: SseMessage[] = [];
  const retries: number[] = [];
  const decoder = createSseDecoder({
    onMessage: (m) => messages.push(m),
    onRetry: (ms) => retries.push(ms),
  });
  for (const chunk of chunks) decoder.push(chunk);
  decoder.end();
  return { messages, retries };
}

/** Splits `bytes` at the given (sorted, deduplicated) offsets. */
function split(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let start = 0;
  for (const p of points) {
    out.push(bytes.subarray(start, p));
    start = p;
  }
  out.push(bytes.subarray(start));
  return out;
}

const lineEnd = fc.constantFrom('\n', '\r\n', '\r');
const text = fc.string({
  unit: fc.constantFrom('a', 'é', '€', '😀', '中', ' ', ':', '{', '"'),
  maxLength: 12,
});
const frame = fc.record({
  event: fc.option(fc.constantFrom('incident.created', 'ping', 'x.y'), { nil: undefined }),
  id: fc.option(fc.stringMatching(/^[a-z0-9-]{1,8}$/), { nil: undefined }),
  data: fc.array(text, { minLength: 1, maxLength: 3 }),
  eol: lineEnd,
  comment: fc.boolean(),
});

describe('createSseDecoder', () => {
  it('parses event, id, multi-line data and retry', () => {
    const bytes = new TextEncoder().encode(
      'retry: 1500\n: hi\nid: 7\nevent: incident.created\ndata: {"a":\ndata: 1}\n\n',
    );
    const { messages, retries } = decode([bytes]);
    expect(retries).toEqual([1500]);
    expect(messages).toEqual([{ event: 'incident.created', id: '7', data: '{"a":\n1}' }]);
  });

  it('drops an unterminated last message, as the SSE spec requires', () => {
    const { messages } = decode([new TextEncoder().encode('data: a\n\ndata: b\n')]);
    expect(messages).toEqual([{ data: 'a' }]);
  });

  it('yields the same messages however the bytes are chunked, even inside UTF-8 characters and CRLF', () => {
    fc.assert(
      fc.property(
        fc.array(frame, { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (frames, cuts) => {
          const body = frames
            .map((f) => {
              const lines = [
                ...(f.comment ? [': keep-alive'] : []),
                ...(f.id === undefined ? [] : [`id: ${f.id}`]),
                ...(f.event === undefined ? [] : [`event: ${f.event}`]),
                ...f.data.map((d) => `data: ${d}`),
              ];
              return `${lines.join(f.eol)}${f.eol}${f.eol}`;
            })
            .join('');
          const bytes = new TextEncoder().encode(`\uFEFFretry: 2000\n${body}`);
          const whole = decode([bytes]);
          const chunked = decode(split(bytes, cuts));
          const oneByOne = decode(Array.from(bytes, (b) => Uint8Array.of(b)));
          expect(whole.messages).toHaveLength(frames.length);
          expect(whole.messages.map((m) => m.data)).toEqual(frames.map((f) => f.data.join('\n')));
          expect(chunked).toEqual(whole);
          expect(oneByOne).toEqual(whole);
        },
      ),
      { numRuns: 300 },
    );
  });
});
