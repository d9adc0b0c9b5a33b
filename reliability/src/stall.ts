/**
 * Stalled consumers: raw TCP sockets that send a stream request and then never read, so the
 * server sees backpressure. Afterwards they can read what reached them and report the last
 * complete SSE frame, to resume from its cursor.
 */
import { connect, type Socket } from 'node:net';
import { createParser } from 'eventsource-parser';

/** One stalled client. */
export interface StalledClient {
  readonly socket: Socket;
  /** True once the server closed (or reset) the connection — seen only after `drainAll`. */
  closed(): boolean;
  /**
   * Reads everything that reached the socket until it ends, and returns the ids and the cursor
   * of the complete frames in it.
   */
  drainAll(
    timeoutMs: number,
  ): Promise<{ ids: string[]; lastCursor: string | undefined; bytes: number }>;
}

/**
 * Opens a socket, sends `GET /v1/notifications/stream` and stops reading right away (or, with
 * `read`, reads and discards everything: the same fan-out cost without the stall).
 * @example
 * const stalled = await openStalled({ port, token });
 */
export function openStalled(options: {
  port: number;
  token: string;
  read?: boolean;
}): Promise<StalledClient> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port: options.port, host: '127.0.0.1' });
    let ended = false;
    socket.once('error', () => {
      ended = true;
    });
    socket.once('close', () => {
      ended = true;
    });
    socket.once('connect', () => {
      // read: a healthy raw reader that discards everything (the control group); else stalled.
      if (options.read) socket.resume();
      else socket.pause();
      socket.write(
        `GET /v1/notifications/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nAuthorization: Bearer ${options.token}\r\n\r\n`,
      );
      resolve({
        socket,
        closed: () => ended,
        drainAll(timeoutMs) {
          return new Promise((done) => {
            const chunks: Buffer[] = [];
            const finish = (): void => {
              clearTimeout(timer);
              socket.destroy();
              const text = Buffer.concat(chunks).toString('latin1'); // 1 char = 1 byte, for chunk sizes
              const bodyStart = text.indexOf('\r\n\r\n');
              const ids: string[] = [];
              let lastCursor: string | undefined;
              // chunked transfer encoding: strip the chunk-size lines before parsing SSE
              const body = Buffer.from(dechunk(text.slice(bodyStart + 4)), 'latin1').toString(
                'utf8',
              );
              const parser = createParser({
                onEvent(message) {
                  if (message.event === 'ping' || message.event === 'stream.reset') return;
                  ids.push(String((JSON.parse(message.data) as { id: unknown }).id));
                  if (message.id !== undefined) lastCursor = message.id;
                },
              });
              parser.feed(body);
              done({ ids, lastCursor, bytes: text.length });
            };
            const timer = setTimeout(finish, timeoutMs);
            socket.on('data', (chunk: Buffer) => chunks.push(chunk));
            socket.once('end', finish);
            socket.once('close', finish);
            socket.once('error', finish);
            socket.resume();
            if (ended) setTimeout(finish, 50);
          });
        },
      });
    });
    socket.once('error', reject);
  });
}

/** Removes HTTP/1.1 chunked framing; a truncated last chunk is cut at what arrived. */
function dechunk(text: string): string {
  let out = '';
  let pos = 0;
  while (pos < text.length) {
    const lineEnd = text.indexOf('\r\n', pos);
    if (lineEnd < 0) break;
    const size = Number.parseInt(text.slice(pos, lineEnd), 16);
    if (!Number.isFinite(size) || size === 0) break;
    out += text.slice(lineEnd + 2, lineEnd + 2 + size);
    pos = lineEnd + 2 + size + 2;
  }
  return out;
}
