/**
 * Hardening checks (issue #17): error amplification by invalid batches (response size, server
 * RSS, health latency while it happens) and secret-free logs at LOG_LEVEL=debug. Both run the real
 * server (`dist/main.js`) in a child process configured by environment variables.
 */
import { randomBytes } from 'node:crypto';
import { rawRequest, serialisedBufferTexts } from '@causeflow/devkit/wire';
import { signToken } from '@causeflow/stream-server';
import { afterEach, describe, expect, it } from 'vitest';
import { mib, quantile, report } from '../src/figures.js';
import { sleep } from '../src/net.js';
import { healthProbe } from '../src/probes.js';
import { type ServerProcess, startServerProcess } from '../src/process.js';
import { sized } from '../src/scale.js';

const servers: ServerProcess[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.kill('SIGKILL');
});

const secret = randomBytes(32).toString('base64url');
const sign = (claims: Parameters<typeof signToken>[0]['claims']) => signToken({ secret, claims });

async function start(env: Record<string, string>, onOutput?: (chunk: Buffer) => void) {
  const server = await startServerProcess({
    env: { JWT_SECRET: secret, BUS: 'memory', DOCS_DIR: 'off', ...env },
    ...(onOutput && { onOutput }),
  });
  servers.push(server);
  return server;
}

/** `[{},{},…]` of at most `bytes` bytes. */
function emptyObjects(bytes: number): string {
  return `[${Array.from({ length: Math.floor((bytes - 1) / 3) }, () => '{}').join(',')}]`;
}

describe('batch-error amplification', () => {
  const requests = sized(20, 100);
  it.for([
    // 413 before parsing; with the cap raised, the 256 KiB body (87,381 events) is validated: 400.
    ['default MAX_BATCH_EVENTS (1000)', {}, [413]],
    ['MAX_BATCH_EVENTS=100000', { MAX_BATCH_EVENTS: '100000' }, [400, 413]],
  ] as const)(
    `answers ${requests} bodies of [{},{},…] (256 KiB to 1 MiB) with small errors and bounded memory, %s`,
    async ([label, env, status], { task }) => {
      const server = await start(env);
      const token = await sign({ tenantId: 'ten_amp', scope: 'events:publish' });
      // Built before probing, so the probe measures the server, not this process building bodies.
      const bodies = [256 * 1024, 750 * 1000, 1024 * 1024].map(emptyObjects);
      const control = healthProbe(server.url);
      await sleep(2000);
      const baseline = await control.stop();
      await server.gc();
      const rssBefore = server.rss();
      let rssPeak = rssBefore;
      const responseBytes: number[] = [];
      const statuses = new Set<number>();
      const probe = healthProbe(server.url);
      for (let i = 0; i < requests; i++) {
        const body = bodies[i % bodies.length]!;
        const res = await fetch(`${server.url}/v1/events`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
          body,
        });
        responseBytes.push((await res.arrayBuffer()).byteLength);
        statuses.add(res.status);
        rssPeak = Math.max(rssPeak, server.rss());
      }
      const health = await probe.stop();
      const metrics = await server.metrics();
      const ingested = [...metrics].filter(([k]) =>
        k.startsWith('causeflow_events_ingested_total'),
      );
      const maxResponse = Math.max(...responseBytes);
      const growth = rssPeak - rssBefore;
      report(
        { task },
        {
          check: 'Bad input',
          name: `batch-error amplification (${label})`,
          summary:
            `${requests} bodies of [{},{},…] (256 KiB, 750 KB, 1 MiB): all ${[...statuses].join('/')}, ` +
            `largest answer ${maxResponse} bytes (was 19 MiB for 256 KiB); RSS ${mib(rssBefore)} → peak ` +
            `${mib(rssPeak)} (+${mib(growth)}); /healthz max ${Math.max(...health).toFixed(0)} ms ` +
            `(p50 ${quantile(health, 0.5).toFixed(0)} ms, ${health.length} probes; idle control: ` +
            `max ${Math.max(...baseline).toFixed(0)} ms, p50 ${quantile(baseline, 0.5).toFixed(0)} ms)`,
          data: {
            requests,
            statuses: [...statuses],
            maxResponseBytes: maxResponse,
            rssBefore,
            rssPeak,
            healthP99Ms: quantile(health, 0.99),
            healthMaxMs: Math.max(...health),
            healthP50Ms: quantile(health, 0.5),
            probes: health.length,
            controlMaxMs: Math.max(...baseline),
            controlP50Ms: quantile(baseline, 0.5),
          },
        },
      );
      expect([...statuses].sort()).toEqual([...status]);
      expect(maxResponse).toBeLessThan(16 * 1024);
      expect(growth).toBeLessThan(128 * 1024 * 1024);
      expect(ingested.every(([, v]) => v === 0)).toBe(true);
    },
  );
});

describe('secret-free logs', () => {
  it('logs no token and no ticket at LOG_LEVEL=debug, whatever the requests carrying them', async ({
    task,
  }) => {
    const chunks: Buffer[] = [];
    const server = await start(
      { LOG_LEVEL: 'debug', HEADERS_TIMEOUT_MS: '500', REQUEST_TIMEOUT_MS: '500' },
      (chunk) => chunks.push(chunk),
    );
    const reader = await sign({ tenantId: 'ten_logs', scope: 'events:read' });
    const publisher = await sign({ tenantId: 'ten_logs', scope: 'events:publish' });
    const expired = await sign({ tenantId: 'ten_logs', expiresInSeconds: -60 });
    const forged = `${reader.slice(0, -4)}AAAA`;
    const tokens = [reader, publisher, expired, forged];
    const tickets: string[] = [];
    const ticket = async (): Promise<string> => {
      const res = await fetch(`${server.url}/v1/notifications/tickets`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${reader}` },
      });
      const issued = ((await res.json()) as { ticket: string }).ticket;
      tickets.push(issued);
      return issued;
    };
    const stream = '/v1/notifications/stream';
    const statuses: number[] = [];
    const get = async (path: string, token?: string) => {
      const controller = new AbortController();
      const res = await fetch(`${server.url}${path}`, {
        headers: token === undefined ? {} : { Authorization: `Bearer ${token}` },
        signal: controller.signal,
      });
      statuses.push(res.status);
      controller.abort();
    };
    await get(stream, reader);
    for (const token of [expired, forged, publisher]) await get(stream, token);
    const published = await fetch(`${server.url}/v1/events`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${publisher}`, 'Content-Type': 'application/json' },
      body: '{"event":"nope"}',
    });
    statuses.push(published.status);
    const redeemed = await ticket();
    await get(`${stream}?ticket=${redeemed}`);
    await get(`${stream}?ticket=${redeemed}`); // reused: 401
    const auth = (t: string) => `Authorization: Bearer ${t}\r\n`;
    const host = 'Host: 127.0.0.1\r\n';
    const malformed = [
      (t: string) =>
        `GET ${stream}?ticket=${t} HTTP/1.1\r\n${host}${auth(reader)}Bad Header\r\n\r\n`,
      (t: string) =>
        `GET ${stream}?ticket=${t} HTTP/1.1\r\n${host}${auth(reader)}X-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      (t: string) =>
        `GET ${stream}?ticket=${t} HTTP/1.1\r\n${host}Host: evil\r\n${auth(reader)}\r\n`,
      (t: string) =>
        `GET ${stream}?ticket=${t} HTTP/1.1\r\n${host}Expect: 200-ok\r\n${auth(reader)}\r\n`,
      (t: string) => `GET ${stream}?ticket=${t} HTTP/1.1\r\n${auth(reader)}\r\n`,
      (t: string) => `GET ${stream}?ticket=${t} HTTP/1.1\r\n${host}${auth(reader)}`,
      (t: string) =>
        `POST /v1/events?ticket=${t} HTTP/1.1\r\n${host}${auth(publisher)}Content-Type: application/json\r\nContent-Length: 900\r\n\r\n[`,
      (t: string) =>
        `GET ${stream}?ticket=${t} HTTP/1.1\r\n${host}Content-Length: 1\r\nContent-Length: 2\r\n${auth(reader)}\r\n`,
      (t: string) =>
        `GET ${stream}?ticket=${t} HTTP/1.1\r\n${host}Transfer-Encoding: chunked\r\n${auth(publisher)}\r\nzz\r\n`,
    ];
    const answers: string[] = [];
    for (const build of malformed)
      answers.push(await rawRequest(server.port, build(await ticket())));
    await server.kill('SIGTERM');
    const output = Buffer.concat(chunks).toString('utf8');
    const haystack = output + serialisedBufferTexts(output);
    const secrets = [...tokens, ...tickets];
    const needles = secrets.flatMap((s) => [s, s.split('.')[2] ?? s]);
    const found = needles.filter((needle) => haystack.includes(needle));
    const lines = output.split('\n').filter((l) => l.startsWith('{')).length;
    const clientErrors = output.split('"msg":"client error"').length - 1;
    report(
      { task },
      {
        check: 'Auth',
        name: 'secret-free debug logs',
        summary:
          `${tokens.length} tokens and ${tickets.length} tickets used in ${statuses.length + answers.length} requests ` +
          `(${answers.length} malformed, ${clientErrors} logged as client errors); ${lines} log lines at debug, ` +
          `${found.length} secrets found`,
        data: {
          tokens: tokens.length,
          tickets: tickets.length,
          lines,
          clientErrors,
          found: found.length,
        },
      },
    );
    expect(answers.every((a) => /^HTTP\/1\.1 4\d\d /.test(a))).toBe(true);
    expect(clientErrors).toBeGreaterThan(0);
    expect(found).toEqual([]);
    expect(haystack).not.toContain(secret);
  });
});
