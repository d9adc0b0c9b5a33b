/**
 * Cursors of both logs, in one place: the `unknown_cursor` / `cursor_trimmed` answers, parsing,
 * formatting and ordering. Memory cursors are `<epoch>-<sequence>`; Redis cursors are
 * `<epoch>.<stream id>` (`<ms>-<seq>`). A string that does not parse was never issued.
 */
import type { ReadResult } from './types.js';

/** The answer to a cursor this log never issued (malformed, another epoch, ahead of the newest). */
export const UNKNOWN: ReadResult = Object.freeze({ status: 'unknown_cursor' });

/** The answer to a cursor older than the retained window. */
export const TRIMMED: ReadResult = Object.freeze({ status: 'cursor_trimmed' });

/** A cursor split into its epoch and its position within the epoch. */
export interface ParsedCursor<P> {
  readonly epoch: string;
  readonly position: P;
}

/** A position in a Redis stream: the two parts of a stream id, as digits without leading zeros. */
export interface StreamPosition {
  readonly ms: string;
  readonly seq: string;
}

/** Epochs the memory log accepts (they go into its cursors). */
export const SEQUENCE_EPOCH_PATTERN = /^[A-Za-z0-9_]{1,64}$/;
const SEQUENCE_CURSOR = /^([A-Za-z0-9_]{1,64})-(0|[1-9][0-9]{0,14})$/;
const STREAM_CURSOR = /^([a-z0-9]{1,64})\.([0-9]{1,15})-([0-9]{1,15})$/;
const STREAM_ID = /^([0-9]{1,20})-([0-9]{1,20})$/;

/** Stream id of a Redis origin cursor (before every entry; Redis never issues `0-0`). */
export const ORIGIN_STREAM_ID = '0-0';

/** Sequence of a memory origin cursor (events are numbered from 1). */
export const ORIGIN_SEQUENCE = 0;

/**
 * Parses a memory cursor `<epoch>-<sequence>` (sequence from 1; 0 is the origin cursor).
 * @example parseSequenceCursor('e1-42'); // { epoch: 'e1', position: 42 }
 */
export function parseSequenceCursor(cursor: string): ParsedCursor<number> | undefined {
  const match = SEQUENCE_CURSOR.exec(cursor);
  if (!match) return undefined;
  return { epoch: match[1]!, position: Number(match[2]) };
}

/** The memory cursor of sequence `seq` in `epoch`. */
export function formatSequenceCursor(epoch: string, seq: number): string {
  return `${epoch}-${seq}`;
}

/** Orders two memory cursors (see `compareParsed`). Never throws. */
export function compareSequenceCursors(a: string, b: string): number {
  return compareParsed(a, b, parseSequenceCursor, (x, y) => x - y);
}

/**
 * Parses a Redis cursor `<epoch>.<ms>-<seq>`; leading zeros are normalised so equal ids compare
 * equal. @example parseStreamCursor('mfz3k2a19f8e7d6c.0017-0'); // position { ms: '17', seq: '0' }
 */
export function parseStreamCursor(cursor: string): ParsedCursor<StreamPosition> | undefined {
  const match = STREAM_CURSOR.exec(cursor);
  if (!match) return undefined;
  return {
    epoch: match[1]!,
    position: { ms: String(Number(match[2])), seq: String(Number(match[3])) },
  };
}

/** The Redis cursor of stream entry `id` in `epoch`. */
export function formatStreamCursor(epoch: string, id: string): string {
  return `${epoch}.${id}`;
}

/** Orders two Redis cursors (see `compareParsed`). Never throws. */
export function compareStreamCursors(a: string, b: string): number {
  return compareParsed(
    a,
    b,
    parseStreamCursor,
    (x, y) => compareDigits(x.ms, y.ms) || compareDigits(x.seq, y.seq),
  );
}

/** True for a Redis stream id `<ms>-<seq>`. */
export function isStreamId(id: unknown): id is string {
  return typeof id === 'string' && STREAM_ID.test(id);
}

/** Orders two Redis stream ids `<ms>-<seq>` (digits without leading zeros, as Redis writes them). */
export function compareStreamIds(a: string, b: string): number {
  const [am = '', as = ''] = a.split('-');
  const [bm = '', bs = ''] = b.split('-');
  return compareDigits(am, bm) || compareDigits(as, bs);
}

/** The ms part of a stream id (0 when unreadable). */
export function streamIdMs(id: string): number {
  const ms = Number(id.slice(0, id.indexOf('-')));
  return Number.isSafeInteger(ms) ? ms : 0;
}

/**
 * Total order over cursors `<epoch><sep><position>`: by epoch (string order; epochs start with
 * their creation time), then by position (`positionCompare`). Strings that do not parse sort
 * before every valid cursor, between themselves by string order. Never throws.
 */
export function compareParsed<P>(
  a: string,
  b: string,
  parse: (cursor: string) => ParsedCursor<P> | undefined,
  positionCompare: (x: P, y: P) => number,
): number {
  const pa = parse(a);
  const pb = parse(b);
  if (!pa || !pb) {
    if (pa) return 1;
    if (pb) return -1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (pa.epoch !== pb.epoch) return pa.epoch < pb.epoch ? -1 : 1;
  return positionCompare(pa.position, pb.position);
}

/** Compares two non-negative decimal integers given as digit strings without leading zeros. */
export function compareDigits(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
