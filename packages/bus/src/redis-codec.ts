/**
 * What the Redis event log reads back from Redis, turned into typed values: stream entries
 * (replay and catch-up reads) and the notifications of the fan-out channel.
 */
import { formatStreamCursor } from './cursor.js';
import type { BusLogger, StoredEvent } from './types.js';

/** A stream entry as Redis answers it: id, then the flat field/value list. */
export type RawEntry = [id: string, fields: string[]];

/** A notification published by the append script: one tenant's part of a batch. */
export interface Notification {
  /** Tenant. */
  readonly t: string;
  /** Epoch of the tenant's stream. */
  readonly p: string;
  /** Id of the entry just before this batch, '' when the stream was empty. */
  readonly v: string;
  /** Stream ids of the batch, in order. */
  readonly i: readonly string[];
  /** The stored events, in order. */
  readonly e: readonly StoredEvent['event'][];
}

/** Parses a message of the notification channel; undefined (logged) when it is unreadable. */
export function parseNotification(message: string, logger?: BusLogger): Notification | undefined {
  try {
    return JSON.parse(message) as Notification;
  } catch (err) {
    logger?.error({ err }, 'unreadable notification skipped');
    return undefined;
  }
}

/**
 * Turns stream entries of `tenantId` (epoch `epoch`) into stored events, in order. An unreadable
 * entry is skipped and logged.
 */
export function decodeEntries(
  tenantId: string,
  epoch: string,
  entries: readonly RawEntry[],
  logger?: BusLogger,
): StoredEvent[] {
  const events: StoredEvent[] = [];
  for (const [id, fields] of entries) {
    const json = fields[fields.indexOf('e') + 1];
    try {
      events.push({ cursor: formatStreamCursor(epoch, id), event: JSON.parse(json ?? '') });
    } catch (err) {
      logger?.error({ err, tenantId, id }, 'unreadable stream entry skipped');
    }
  }
  return events;
}
