/**
 * What the Redis event log reads back from Redis, checked before it is typed: stream entries
 * (replay, catch-up, idempotent appends) and the notifications of the fan-out channel. Redis is
 * another process: an entry or message written by an older or foreign writer, or by hand, is
 * skipped and reported, never trusted and never thrown at the caller.
 */
import { validateEvent } from '@causeflow/events';
import { formatStreamCursor, isStreamId } from './cursor.js';
import type { BusLogger, StoredEvent } from './types.js';

/** A stream entry as Redis answers it: id, then the flat field/value list. */
export type RawEntry = [id: string, fields: string[]];

type Event = StoredEvent['event'];

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
  /** The stored events, in order; undefined where an event was unreadable (skipped, reported). */
  readonly e: readonly (Event | undefined)[];
}

/** Where something unreadable was found, for `RedisEventLogOptions.onCorrupt`. */
export type CorruptSource = 'notification' | 'entry';

/** Where the codec reports what it skipped. */
export interface CodecReporter {
  readonly logger?: BusLogger;
  /** Called once per skipped notification or event (e.g. to count it in a metric). */
  readonly onCorrupt?: (source: CorruptSource) => void;
}

const EPOCH = /^[a-z0-9]{1,64}$/;

/**
 * Checks a parsed event read back from Redis: a valid envelope (`validateEvent`, tolerant so an
 * instance on an older schema still reads what a newer one stored), with a string
 * `id`, of `tenantId`. Returns the reason it is not, or the event.
 */
export function checkStoredEvent(value: unknown, tenantId: string): Event | string {
  const result = validateEvent(value, { mode: 'tolerant' });
  if (!result.ok) {
    const issue = result.errors[0];
    return `not a valid event: ${issue ? `${issue.path || '(root)'} ${issue.message}` : 'invalid'}`;
  }
  const event = result.event;
  if (typeof event.id !== 'string') return 'the event has no id';
  if (event.tenantId !== tenantId) return `the event belongs to tenant ${event.tenantId}`;
  return event as Event;
}

/** Why a parsed message is not a notification, or undefined when it is one. */
function notificationProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not an object';
  const note = value as Record<string, unknown>;
  if (typeof note.t !== 'string' || note.t === '') return 't (tenant) is not a string';
  if (typeof note.p !== 'string' || !EPOCH.test(note.p)) return 'p (epoch) is not an epoch';
  if (note.v !== '' && !isStreamId(note.v)) return 'v (previous id) is not a stream id';
  if (!Array.isArray(note.i) || note.i.length === 0 || !note.i.every(isStreamId)) {
    return 'i (ids) is not a list of stream ids';
  }
  if (!Array.isArray(note.e) || note.e.length !== note.i.length) {
    return 'e (events) is not a list as long as i';
  }
  return undefined;
}

/**
 * Parses and checks a message of the notification channel. A message without the notification's
 * shape is reported and answered with undefined; an unreadable event inside a well-formed one is
 * reported and left undefined in `e` (the other events are delivered).
 */
export function parseNotification(
  message: string,
  report: CodecReporter,
): Notification | undefined {
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch {
    value = undefined;
  }
  const problem = value === undefined ? 'not JSON' : notificationProblem(value);
  if (problem !== undefined) {
    report.logger?.warn({ problem, size: message.length }, 'malformed notification skipped');
    report.onCorrupt?.('notification');
    return undefined;
  }
  const note = value as { t: string; p: string; v: string; i: string[]; e: unknown[] };
  const events = note.e.map((raw, k) => {
    const checked = checkStoredEvent(raw, note.t);
    if (typeof checked !== 'string') return checked;
    report.logger?.warn(
      { problem: checked, tenantId: note.t, id: note.i[k] },
      'unreadable event in a notification skipped',
    );
    report.onCorrupt?.('entry');
    return undefined;
  });
  return { t: note.t, p: note.p, v: note.v, i: note.i, e: events };
}

/** The event of one stream entry, checked; or the reason it is unreadable. */
function decodeEntry(fields: unknown, tenantId: string): Event | string {
  if (!Array.isArray(fields)) return 'no fields';
  let json: unknown;
  for (let f = 0; f + 1 < fields.length && json === undefined; f += 2) {
    if (fields[f] === 'e') json = fields[f + 1];
  }
  if (typeof json !== 'string') return 'no event field';
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return 'not JSON';
  }
  return checkStoredEvent(value, tenantId);
}

/**
 * Turns stream entries of `tenantId` (epoch `epoch`) into stored events, in order. An unreadable
 * entry (not JSON, not a valid event, without an id, of another tenant) is skipped and reported;
 * the others are kept.
 */
export function decodeEntries(
  tenantId: string,
  epoch: string,
  entries: readonly RawEntry[],
  report: CodecReporter,
): StoredEvent[] {
  const events: StoredEvent[] = [];
  for (const [id, fields] of entries) {
    const checked = decodeEntry(fields, tenantId);
    if (typeof checked !== 'string') {
      events.push({ cursor: formatStreamCursor(epoch, id), event: checked });
      continue;
    }
    report.logger?.warn({ problem: checked, tenantId, id }, 'unreadable stream entry skipped');
    report.onCorrupt?.('entry');
  }
  return events;
}
