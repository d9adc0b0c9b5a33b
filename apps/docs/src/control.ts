/**
 * The stream's control events (`ping`, `stream.reset`) as JSON Schemas, for the docs and the
 * AsyncAPI document. They are not catalog events: producers never publish them. Their names come
 * from `CONTROL_EVENTS` in @causeflow/events; a test keeps the properties in step with its types.
 */
import type { JsonSchema } from '@causeflow/codegen';

/** A control event as documented: name, title, when it is sent, its data schema and an example. */
export interface ControlEventDoc {
  readonly name: string;
  /** Key used in `components` of the AsyncAPI and OpenAPI documents. */
  readonly key: string;
  readonly title: string;
  readonly whenSent: string;
  readonly description: string;
  /** Schema of the frame's `data:` JSON (control frames carry no envelope). */
  readonly schema: JsonSchema;
  readonly example: unknown;
}

/** `ping` and `stream.reset`, in that order. */
export const CONTROL_EVENT_DOCS: readonly ControlEventDoc[] = [
  {
    name: 'ping',
    key: 'Ping',
    title: 'Heartbeat',
    whenSent: 'Every HEARTBEAT_MS (30 s by default) while the stream is open',
    description:
      'Keeps the connection alive through proxies and load balancers. It carries no event and no `id:`, so it never moves the client cursor. Clients may use it to detect a dead connection.',
    schema: {
      type: 'object',
      required: ['timestamp'],
      additionalProperties: false,
      properties: {
        timestamp: {
          type: 'string',
          format: 'date-time',
          description: 'When the server sent the ping (RFC 3339, UTC).',
        },
      },
    },
    example: { timestamp: '2024-04-01T14:30:30Z' },
  },
  {
    name: 'stream.reset',
    key: 'StreamReset',
    title: 'Stream reset',
    whenSent:
      'First, on a reconnect whose Last-Event-ID the server cannot honour (unknown, or older than the retention)',
    description:
      'Replay from the client cursor is impossible without a gap, so the server says so instead of skipping events silently. Like `ping` it has no `id:`. The server then replays every event it still retains for the tenant and continues live; events between the cursor and the oldest retained one were missed, so the client should resynchronise its state (for example re-fetch the incidents it shows).',
    schema: {
      type: 'object',
      required: ['reason', 'lastEventId', 'message'],
      additionalProperties: false,
      properties: {
        reason: {
          type: 'string',
          enum: ['unknown_cursor', 'cursor_trimmed'],
          description:
            '`unknown_cursor`: the cursor was never issued by this server (or is from before a restart); `cursor_trimmed`: it is older than the retention.',
        },
        lastEventId: {
          type: 'string',
          description: 'The cursor the client sent (Last-Event-ID header or lastEventId query).',
        },
        message: { type: 'string', description: 'Human-readable explanation.' },
      },
    },
    example: {
      reason: 'cursor_trimmed',
      lastEventId: '1711980000000-0',
      message:
        'The Last-Event-ID is older than the retention; events after it were trimmed. Events were missed; replaying from the oldest retained event, then continuing live.',
    },
  },
];
