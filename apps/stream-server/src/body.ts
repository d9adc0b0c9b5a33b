/**
 * Reads a request body with a byte limit, never buffering more than the limit.
 */
import type { IncomingMessage } from 'node:http';
import { StreamServerError } from './errors.js';

function tooLarge(limit: number): StreamServerError {
  return new StreamServerError(413, 'payload_too_large', `request body exceeds ${limit} bytes`, {
    headers: { Connection: 'close' },
  });
}

/**
 * Collects the body of `req` into a Buffer. Rejects with 413 as soon as more than `limit` bytes
 * are announced (`Content-Length`) or received, and stops reading (the connection is closed).
 * @example
 * const raw = await readBody(ctx.req, 1024 * 1024);
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding !== 'identity') {
    return Promise.reject(
      new StreamServerError(
        415,
        'unsupported_encoding',
        `Content-Encoding "${encoding}" is not supported`,
      ),
    );
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    function cleanup(): void {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    }
    function onData(chunk: Buffer): void {
      received += chunk.length;
      if (received > limit) {
        cleanup();
        req.pause();
        chunks.length = 0;
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    }
    function onEnd(): void {
      cleanup();
      resolve(Buffer.concat(chunks, received));
    }
    function onError(error: Error): void {
      cleanup();
      reject(
        new StreamServerError(400, 'request_aborted', 'the request body could not be read', {
          cause: error,
        }),
      );
    }
    function onAborted(): void {
      onError(new Error('request aborted'));
    }
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}
