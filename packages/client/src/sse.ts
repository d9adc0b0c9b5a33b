/**
 * Bytes → SSE messages: a streaming UTF-8 decoder in front of eventsource-parser, so chunk
 * boundaries (inside a multi-byte character, between `\r` and `\n`) never change the result.
 */
import { createParser } from 'eventsource-parser';

/** One parsed SSE message; `event` and `id` are undefined when the frame had no such field. */
export interface SseMessage {
  readonly event?: string;
  readonly id?: string;
  readonly data: string;
}

/** Callbacks of `createSseDecoder`. */
export interface SseDecoderCallbacks {
  onMessage(message: SseMessage): void;
  /** The server's `retry:` value in ms. */
  onRetry?(ms: number): void;
  onComment?(comment: string): void;
}

/** A decoder for one response body; make a new one per connection. */
export interface SseDecoder {
  push(chunk: Uint8Array): void;
  /** Flushes the UTF-8 decoder; an unterminated last message is dropped, as the SSE spec says. */
  end(): void;
}

/**
 * Creates a decoder for one SSE response body.
 * @example
 * const decoder = createSseDecoder({ onMessage: (m) => handle(m) });
 * for await (const chunk of body) decoder.push(chunk);
 * decoder.end();
 */
export function createSseDecoder(callbacks: SseDecoderCallbacks): SseDecoder {
  const text = new TextDecoder('utf-8');
  const parser = createParser({
    // eventsource-parser's message is already the right shape (absent fields are undefined).
    onEvent: callbacks.onMessage,
    onRetry: (ms) => callbacks.onRetry?.(ms),
    onComment: (c) => callbacks.onComment?.(c),
  });
  let endsWithCr = false;
  const feed = (decoded: string) => {
    if (decoded === '') return;
    parser.feed(decoded);
    endsWithCr = decoded.endsWith('\r');
  };
  return {
    push(chunk) {
      feed(text.decode(chunk, { stream: true }));
    },
    end() {
      feed(text.decode());
      // The parser holds a final `\r` waiting for a possible `\n`; at the end of the body it is a
      // complete line ending, so complete it (CRLF is still one line ending).
      if (endsWithCr) parser.feed('\n');
    },
  };
}
