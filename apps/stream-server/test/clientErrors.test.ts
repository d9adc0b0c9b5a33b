import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../src/testing.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
async function server(): Promise<TestServer> {
  const s = await startTestServer();
  cleanups.push(() => s.close());
  return s;
}

/** Writes `request` over a raw TCP socket and resolves with everything read until the server closes. */
function rawRequest(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('no response within 5 s'));
    }, 5_000);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    socket.write(request);
  });
}

function parseResponse(raw: string): { statusLine: string; headers: string; body: unknown } {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split);
  const statusLine = head.split('\r\n')[0] ?? '';
  return { statusLine, headers: head.toLowerCase(), body: JSON.parse(raw.slice(split + 4)) };
}

describe('requests Node cannot parse', () => {
  it('answers 431 with a JSON headers_too_large error when the request headers are too large', async () => {
    const s = await server();
    const raw = await rawRequest(
      s.port,
      `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20 * 1024)}\r\n\r\n`,
    );
    const res = parseResponse(raw);
    expect(res.statusLine).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect(res.headers).toContain('content-type: application/json');
    expect(res.headers).toContain('connection: close');
    expect(res.body).toEqual({
      error: { code: 'headers_too_large', message: expect.any(String) },
    });
  });

  it('answers 400 with a JSON bad_request error for other malformed requests', async () => {
    const s = await server();
    const raw = await rawRequest(s.port, 'GET /healthz HTTP/1.1\r\nBad Header Line\r\n\r\n');
    const res = parseResponse(raw);
    expect(res.statusLine).toBe('HTTP/1.1 400 Bad Request');
    expect(res.headers).toContain('content-type: application/json');
    expect(res.body).toEqual({ error: { code: 'bad_request', message: expect.any(String) } });
  });

  it('still serves well-formed requests with headers under the limit', async () => {
    const s = await server();
    const res = await fetch(`${s.url}/healthz`, { headers: { 'X-Big': 'a'.repeat(4 * 1024) } });
    expect(res.status).toBe(200);
  });
});
