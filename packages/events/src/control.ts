/**
 * Control events of the stream: not part of the catalog, never published by producers.
 * `ping` keeps connections alive; `stream.reset` tells a client its cursor could not be honoured.
 */

/** Data of the `ping` event sent every heartbeat. */
export interface PingData {
  readonly timestamp: string;
}

/** Why a stream had to reset instead of replaying from the client's cursor. */
export type StreamResetReason = 'unknown_cursor' | 'cursor_trimmed';

/** Data of the `stream.reset` control event, sent first when replay cannot continue gap-free. */
export interface StreamResetData {
  readonly reason: StreamResetReason;
  /** The cursor the client sent. */
  readonly lastEventId: string;
  readonly message: string;
}

/** Names of the control events. */
export const CONTROL_EVENTS = { ping: 'ping', reset: 'stream.reset' } as const;
