/**
 * Raw-wire helpers for tests that check what a server does with malformed requests and what it
 * logs: send bytes on a plain socket, and read back the text of Buffers that pino serialised
 * into JSON log lines (`{"type":"Buffer","data":[…]}`), so a secret hidden in one is still found.
 * Plain JavaScript with a hand-written `wire.d.ts` (no build step).
 */
import { connect } from 'node:net';

/**
 * Sends `request` as it is on a new socket; resolves with everything answered once the server
 * closes the connection.
 * @param {number} port
 * @param {string} request
 * @param {string} [host]
 * @returns {Promise<string>}
 */
export function rawRequest(port, request, host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let answer = '';
    socket.on('data', (chunk) => {
      answer += String(chunk);
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(answer));
    socket.write(request);
  });
}

/**
 * The text (latin1) of every serialised Buffer in the JSON lines of `output`, one per line;
 * lines that are not JSON are passed over.
 * @param {string} output
 * @returns {string}
 */
export function serialisedBufferTexts(output) {
  /** @type {string[]} */
  const texts = [];
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      JSON.parse(line, (_key, value) => {
        if (value?.type === 'Buffer' && Array.isArray(value.data)) {
          texts.push(Buffer.from(value.data).toString('latin1'));
        }
        return value;
      });
    } catch {
      // not a log line
    }
  }
  return texts.join('\n');
}
