/**
 * Nothing secret in the logs, at the most verbose level that is meant for production (`debug`):
 * every token and ticket this test uses — well-formed requests, refused ones and requests Node
 * cannot parse — is searched for in every line the server logged.
 */
import { Writable } from 'node:stream';
import { createMemoryEventLog } from '@causeflow/bus';
import { rawRequest, serialisedBufferTexts } from '@causeflow/devkit/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type RunningServer, type StreamServerApp } from '../src/app.js';
import { createConfig } from '../src/config.js';
import { createServerLogger } from '../src/logger.js';
import { signToken } from '../src/tokens.js';
import { incidentCreated, openStream } from './helpers.js';

const SECRET = 'secret-free-logs-test-key-0123456789abcdef';
const lines: string[] = [];
const log = createMemoryEventLog({ retention: 1000 });
let app: StreamServerApp;
let running: RunningServer;

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const { logger } = createServerLogger({ level: 'debug', destination: sink });
  const config = createConfig({
    auth: { kind: 'secret', secret: SECRET },
    port: 0,
    logLevel: 'debug',
    drainTimeoutMs: 500,
    headersTimeoutMs: 300,
    requestTimeoutMs: 300,
  });
  app = createApp({ config, log, logger });
  running = await app.listen();
});
afterAll(async () => {
  await running?.close();
  await app?.close();
  await log.close();
});

const sign = (claims: Parameters<typeof signToken>[0]['claims']) =>
  signToken({ secret: SECRET, claims, issuer: undefined, audience: undefined });

async function ticket(token: string): Promise<string> {
  const res = await fetch(`${running.url}/v1/notifications/tickets`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}` },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { ticket: string }).ticket;
}

describe('logs at LOG_LEVEL=debug', () => {
  it('contain no token and no ticket, whatever the requests carrying them', async () => {
    const reader = await sign({ tenantId: 'ten_logs', scope: 'events:read' });
    const publisher = await sign({ tenantId: 'ten_logs', scope: 'events:publish' });
    const expired = await sign({ tenantId: 'ten_logs', expiresInSeconds: -60 });
    const forged = `${reader.slice(0, -4)}AAAA`;
    const secrets = [reader, publisher, expired, forged];
    const bearer = (token: string) => `Authorization: Bearer ${token}\r\n`;
    const host = 'Host: 127.0.0.1\r\n';
    const stream = '/v1/notifications/stream';

    // Well-formed: a stream, a publish, a ticket redeemed (and reused), refused tokens.
    const open = await openStream(`${running.url}${stream}`, { token: reader });
    const published = await fetch(`${running.url}/v1/events`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${publisher}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(incidentCreated('ten_logs')),
    });
    expect(published.status).toBe(202);
    await open.waitFor(1, (m) => m.event === 'incident.created');
    open.close();
    const redeemed = await ticket(reader);
    secrets.push(redeemed);
    const byTicket = await openStream(`${running.url}${stream}?ticket=${redeemed}`);
    expect(byTicket.response.status).toBe(200);
    byTicket.close();
    const reused = await fetch(`${running.url}${stream}?ticket=${redeemed}`);
    expect(reused.status).toBe(401);
    for (const token of [expired, forged]) {
      const res = await fetch(`${running.url}${stream}`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(401);
    }

    // Malformed requests carrying a token and an unused ticket (Node keeps their raw bytes).
    const answers: string[] = [];
    for (const build of [
      (t: string) =>
        `GET ${stream}?ticket=${t} HTTP/1.1\r\n${host}${bearer(reader)}Bad Header Line\r\n\r\n`,
      (t: string) =>
        `GET ${stream}?ticket=${t} HTTP/1.1\r\n${host}${bearer(reader)}X-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      (t: string) =>
        `GET ${stream}?ticket=${t} HTTP/1.1\r\n${host}Host: other\r\n${bearer(reader)}\r\n`,
      (t: string) =>
        `GET ${stream}?ticket=${t} HTTP/1.1\r\n${host}Expect: 200-ok\r\n${bearer(reader)}\r\n`,
      (t: string) => `GET ${stream}?ticket=${t} HTTP/1.1\r\n${bearer(reader)}\r\n`,
      (t: string) => `GET ${stream}?ticket=${t} HTTP/1.1\r\n${host}${bearer(reader)}`, // headers never end
      (t: string) =>
        `POST /v1/events?ticket=${t} HTTP/1.1\r\n${host}${bearer(publisher)}Content-Type: application/json\r\nContent-Length: 500\r\n\r\n[{"tenantId":"${t}"`, // body trickles
      (t: string) =>
        `GET ${stream}?ticket=${t} HTTP/1.1\r\n${host}Content-Length: 1\r\nContent-Length: 2\r\n${bearer(reader)}\r\n`,
    ]) {
      const unused = await ticket(reader);
      secrets.push(unused);
      answers.push(await rawRequest(running.port, build(unused)));
    }
    for (const answer of answers) expect(answer).toMatch(/^HTTP\/1\.1 4\d\d /);

    // The run did log at debug level, including the requests Node refused.
    // Buffers (Node's `rawPacket`) are logged as {"type":"Buffer","data":[…bytes]}: decode them too.
    const output = lines.join('');
    const all = output + serialisedBufferTexts(output);
    expect(all).toContain('"msg":"client error"');
    expect(all).toContain('"msg":"request"');
    expect(lines.length).toBeGreaterThan(20);
    const found = secrets.flatMap((secret) => {
      const signature = secret.split('.')[2] ?? secret;
      return [secret, signature].filter((needle) => all.includes(needle));
    });
    expect(found).toEqual([]);
    expect(all).not.toContain(SECRET);
  });
});
