/** The SSE wire format of the stream, as the docs show it (one frame per event). */
import { DocsError } from './schema.js';

/** One SSE frame: the cursor (`id:`, absent on control frames), the event name and the JSON data. */
export interface SseFrame {
  readonly id?: string;
  readonly event: string;
  readonly data: unknown;
}

/**
 * Formats a frame exactly as the server writes it: `id` (when present), `event`, one `data:` line
 * per line of compact JSON, then a blank line. CR/LF in `id` or `event` are refused.
 * @example sseFrame({ id: '1-0', event: 'incident.created', data: { a: 1 } });
 * // 'id: 1-0\nevent: incident.created\ndata: {"a":1}\n\n'
 */
export function sseFrame(frame: SseFrame): string {
  for (const field of ['id', 'event'] as const) {
    if (/[\r\n]/.test(frame[field] ?? '')) {
      throw new DocsError(`SSE ${field} must not contain CR or LF`);
    }
  }
  const data = JSON.stringify(frame.data)
    .split(/\r\n|\r|\n/)
    .map((line) => `data: ${line}\n`)
    .join('');
  const id = frame.id === undefined ? '' : `id: ${frame.id}\n`;
  return `${id}event: ${frame.event}\n${data}\n`;
}
