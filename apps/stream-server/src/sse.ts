/**
 * The Server-Sent Events wire format (https://html.spec.whatwg.org/#server-sent-events), pure:
 * strings in, strings out. Every frame ends with a blank line so the client dispatches it.
 */

/** One SSE message. `data` may span several lines; `id` and `event` may not. */
export interface SseFrame {
  /** Becomes the client's last event ID; omit for control frames such as `ping`. */
  readonly id?: string;
  /** The event type; the client's `message` handler gets frames without one. */
  readonly event?: string;
  readonly data: string;
}

const LINE_BREAK = /\r\n|\r|\n/;

function assertField(name: 'id' | 'event', value: string): void {
  if (/[\r\n]/.test(value)) throw new TypeError(`SSE ${name} must not contain CR or LF`);
  if (name === 'id' && value.includes('\0')) throw new TypeError('SSE id must not contain NUL');
}

/**
 * Formats one frame: `id:`, `event:`, one `data:` line per line of `data`, then a blank line.
 * Throws a `TypeError` when `id` or `event` contains CR/LF (it would inject fields).
 * @example
 * formatFrame({ id: '1-0', event: 'incident.created', data: '{"a":1}' });
 * // 'id: 1-0\nevent: incident.created\ndata: {"a":1}\n\n'
 */
export function formatFrame(frame: SseFrame): string {
  let out = '';
  if (frame.id !== undefined) {
    assertField('id', frame.id);
    out += `id: ${frame.id}\n`;
  }
  if (frame.event !== undefined) {
    assertField('event', frame.event);
    out += `event: ${frame.event}\n`;
  }
  for (const line of frame.data.split(LINE_BREAK)) out += `data: ${line}\n`;
  return `${out}\n`;
}

/**
 * Formats the `retry:` field that tells the client how long to wait before reconnecting.
 * @example
 * formatRetry(3000); // 'retry: 3000\n\n'
 */
export function formatRetry(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0)
    throw new RangeError('SSE retry must be a non-negative integer');
  return `retry: ${ms}\n\n`;
}

/**
 * Formats a comment line (ignored by clients; useful to flush proxies).
 * @example
 * formatComment('hello'); // ': hello\n\n'
 */
export function formatComment(text: string): string {
  return `${text
    .split(LINE_BREAK)
    .map((line) => `: ${line}\n`)
    .join('')}\n`;
}
