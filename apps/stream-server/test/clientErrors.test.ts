import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TestServerOptions } from '../src/testing.js';
import { openStream } from './helpers.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
async function server(config: TestServerOptions['config'] = {}): Promise<TestServer> {
  const s = await startTestServer({ config, heartbeatMs: 20 });
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

describe('requests Node refuses before routing get JSON errors too', () => {
  it('answers 400 JSON to an HTTP/1.1 request without a Host header', async () => {
    const s = await server();
    const res = parseResponse(await rawRequest(s.port, 'GET /healthz HTTP/1.1\r\n\r\n'));
    expect(res.statusLine).toBe('HTTP/1.1 400 Bad Request');
    expect(res.headers).toContain('content-type: application/json');
    expect(res.body).toEqual({
      error: { code: 'bad_request', message: 'the request has no Host header' },
    });
  });

  it('answers 400 JSON to two Host headers, even on a stream request with a valid token (RFC 9112 §3.2)', async () => {
    const s = await server();
    const token = await s.token();
    const raw = await rawRequest(
      s.port,
      `GET /v1/notifications/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\nAuthorization: Bearer ${token}\r\n\r\n`,
    );
    const res = parseResponse(raw);
    expect(res.statusLine).toBe('HTTP/1.1 400 Bad Request');
    expect(res.body).toEqual({
      error: { code: 'bad_request', message: 'the request has more than one Host header' },
    });
    expect(s.app.stats().connections).toBe(0);
  });

  it('answers 400 JSON to a Host header that is not host[:port]', async () => {
    const s = await server();
    const raw = await rawRequest(s.port, 'GET /healthz HTTP/1.1\r\nHost: a b/c\r\n\r\n');
    expect(parseResponse(raw).body).toMatchObject({ error: { code: 'bad_request' } });
  });

  it('still serves HTTP/1.0 requests without Host and HTTP/1.1 requests with one', async () => {
    const s = await server();
    const old = await rawRequest(s.port, 'GET /healthz HTTP/1.0\r\n\r\n');
    expect(old.startsWith('HTTP/1.1 200 OK')).toBe(true);
    const res = await fetch(`${s.url}/healthz`);
    expect(res.status).toBe(200);
  });

  it('answers 417 JSON to an Expect other than 100-continue', async () => {
    const s = await server();
    const raw = await rawRequest(
      s.port,
      'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 200-ok\r\n\r\n',
    );
    const res = parseResponse(raw);
    expect(res.statusLine).toBe('HTTP/1.1 417 Expectation Failed');
    expect(res.headers).toContain('content-type: application/json');
    expect(res.body).toEqual({
      error: { code: 'expectation_failed', message: expect.any(String) },
    });
  });
});

describe('request, headers and keep-alive timeouts', () => {
  it('answers 408 JSON when the headers do not arrive within HEADERS_TIMEOUT_MS', async () => {
    const s = await server({ headersTimeoutMs: 200, requestTimeoutMs: 400 });
    // The headers never end: no blank line.
    const raw = await rawRequest(s.port, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const res = parseResponse(raw);
    expect(res.statusLine).toBe('HTTP/1.1 408 Request Timeout');
    expect(res.body).toEqual({ error: { code: 'request_timeout', message: expect.any(String) } });
  });

  it('answers 408 JSON when a body trickles past REQUEST_TIMEOUT_MS', async () => {
    const s = await server({ headersTimeoutMs: 200, requestTimeoutMs: 400 });
    const token = await s.token({ scope: 'events:publish' });
    const raw = await rawRequest(
      s.port,
      `POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n[{"event"',
    );
    const res = parseResponse(raw);
    expect(res.statusLine).toBe('HTTP/1.1 408 Request Timeout');
    expect(res.body).toEqual({ error: { code: 'request_timeout', message: expect.any(String) } });
    expect(await s.log.readAfter('ten_test', null, 10)).toMatchObject({ events: [] });
  });

  it('never cuts a stream: the request timeout ends once the request is read', async () => {
    const s = await server({ headersTimeoutMs: 100, requestTimeoutMs: 100 });
    const stream = await openStream(`${s.url}/v1/notifications/stream`, { token: await s.token() });
    // Pings come at most every 20 ms, so 40 of them span at least 800 ms: eight request timeouts.
    await stream.waitFor(40, (m) => m.event === 'ping');
    expect(s.app.stats().connections).toBe(1);
    stream.close();
  });

  it('announces KEEP_ALIVE_TIMEOUT_MS and closes an idle keep-alive connection after it', async () => {
    const s = await server({ keepAliveTimeoutMs: 2000 });
    const raw = await rawRequest(s.port, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    // The server, not the client, closed the connection (rawRequest waits for the close).
    expect(raw.toLowerCase()).toContain('keep-alive: timeout=2');
    expect(raw.toLowerCase()).toContain('connection: keep-alive');
  });
});
