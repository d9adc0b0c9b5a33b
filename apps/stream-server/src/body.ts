/**
 * Reads a request body with a byte limit, never buffering more than the limit: `raw-body` does the
 * reading; this module keeps the server's JSON error codes (413 `payload_too_large`,
 * 415 `unsupported_encoding`, 400 `request_aborted`).
 */
import type { IncomingMessage } from 'node:http';
import getRawBody from 'raw-body';
import { StreamServerError } from './errors.js';

function tooLarge(limit: number, cause?: unknown): StreamServerError {
  return new StreamServerError(413, 'payload_too_large', `request body exceeds ${limit} bytes`, {
    headers: { Connection: 'close' },
    cause,
  });
}

/**
 * Collects the body of `req` into a Buffer. Rejects with 413 as soon as more than `limit` bytes
 * are announced (`Content-Length`) or received, and stops reading (the connection is closed).
 * @example
 * const raw = await readBody(ctx.req, 1024 * 1024);
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding !== 'identity') {
    throw new StreamServerError(
      415,
      'unsupported_encoding',
      `Content-Encoding "${encoding}" is not supported`,
    );
  }
  const declared = Number(req.headers['content-length']);
  const length = Number.isSafeInteger(declared) && declared >= 0 ? declared : undefined;
  try {
    return await getRawBody(req, { limit, ...(length === undefined ? {} : { length }) });
  } catch (error) {
    const type = (error as { type?: unknown } | null)?.type;
    if (type === 'entity.too.large') throw tooLarge(limit, error);
    throw new StreamServerError(400, 'request_aborted', 'the request body could not be read', {
      cause: error,
    });
  }
}
