// `causeflow-tail` (runTail) end to end: token problems that retrying cannot fix, --since
// catch-up, and --forward-to deliveries verified by the official standardwebhooks package.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestServer } from '@causeflow/stream-server/testing';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { DEV_TOKEN_FILE, type TailConfig } from '../src/cli/config.js';
import { USER_AGENT } from '../src/cli/forward.js';
import { runTail, type TailIO } from '../src/cli/run.js';
import { sample, waitFor } from './fixtures.js';

const TENANT = 'ten_test';
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const base: TailConfig = {
  url: 'http://127.0.0.1:1',
  token: undefined,
  events: undefined,
  incidentId: undefined,
  lastEventId: undefined,
  json: true,
  color: false,
  help: false,
};

function tail(config: Partial<TailConfig>, io: Partial<TailIO> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const controller = new AbortController();
  cleanups.push(() => controller.abort());
  const exit = runTail(
    { ...base, ...config },
    {
      stdout: { write: (t: string) => out.push(t) },
      stderr: { write: (t: string) => err.push(t) },
      signal: controller.signal,
      ...io,
    },
  );
  return { out, err, exit, stop: () => controller.abort() };
}

/** The real stream server (`GET /v1/events` and the SSE stream); `stream` for symmetry with `url`. */
async function catchUpServer(options: Parameters<typeof startTestServer>[0] = {}) {
  const stream = await startTestServer({ config: { retryMs: 50 }, ...options });
  cleanups.push(() => stream.close());
  return { url: stream.url, stream };
}

describe('causeflow-tail', () => {
  it('without any token says what to do and exits 1 instead of retrying forever', async () => {
    const t = tail(
      {},
      { readDevToken: () => Promise.reject(Object.assign(new Error('nope'), { code: 'ENOENT' })) },
    );
    await expect(t.exit).resolves.toBe(1);
    const text = t.err.join('');
    expect(text).toContain('--token');
    expect(text).toContain('CAUSEFLOW_TOKEN');
    expect(text).toContain(DEV_TOKEN_FILE);
  });

  it('with a stale dev token file says where the refused token came from and exits 1', async () => {
    const s = await catchUpServer({ jwtSecret: 'the-current-dev-server-key-0123456789' });
    const other = await catchUpServer({ jwtSecret: 'a-previous-dev-server-key-0123456789' });
    const stale = await other.stream.token();
    let reads = 0;
    const t = tail(
      { url: s.url },
      {
        readDevToken: async () => {
          reads += 1;
          return stale;
        },
      },
    );
    await expect(t.exit).resolves.toBe(1);
    expect(reads).toBe(2);
    expect(t.err.join('')).toMatch(new RegExp(`refused the token from ${DEV_TOKEN_FILE}`));
  });

  it('names --token as the source of a refused explicit token', async () => {
    const s = await catchUpServer();
    const t = tail({ url: s.url, token: 'not-a-jwt', tokenFrom: '--token' });
    await expect(t.exit).resolves.toBe(1);
    expect(t.err.join('')).toContain('refused the token from --token');
  });

  it('--since prints what was missed after the cursor, then follows live', async () => {
    const s = await catchUpServer();
    const stored = await s.stream.publish(
      ['a', 'b', 'c', 'd'].map((title) => sample('incident.created', { tenantId: TENANT, title })),
    );
    const t = tail({ url: s.url, token: await s.stream.token(), since: stored[1]?.cursor });
    await waitFor(() => t.err.some((l) => l.startsWith('# connected')), 5000, 'connected');
    await s.stream.publish([sample('incident.created', { tenantId: TENANT, title: 'live' })]);
    await waitFor(() => t.out.length === 3, 5000, 'three lines');
    t.stop();
    await expect(t.exit).resolves.toBe(0);
    expect(t.out.map((l) => JSON.parse(l).data.title)).toEqual(['c', 'd', 'live']);
  });

  it('--forward-to posts every event signed like a real delivery, verifiable with standardwebhooks', async () => {
    const received: { body: string; headers: IncomingHttpHeaders }[] = [];
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ body: Buffer.concat(chunks).toString(), headers: req.headers });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => receiver.close(resolve)));
    const forwardTo = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
    const s = await catchUpServer();
    const t = tail({ url: s.url, token: await s.stream.token(), forwardTo });
    const secret = /(whsec_\S+)/.exec(t.err.join(''))?.[1] ?? '';
    expect(secret).not.toBe('');
    await waitFor(() => t.err.some((l) => l.startsWith('# connected')), 5000, 'connected');
    const stored = await s.stream.publish([
      sample('incident.created', { tenantId: TENANT }),
      sample('remediation.approved', { tenantId: TENANT }),
    ]);
    await waitFor(() => received.length === 2, 5000, 'two deliveries');
    t.stop();
    await t.exit;
    received.forEach(({ body, headers }, i) => {
      const verified = new Webhook(secret).verify(body, headers as Record<string, string>);
      expect(verified).toMatchObject({ event: stored[i]?.event.event, id: stored[i]?.event.id });
      expect(headers).toMatchObject({
        'content-type': 'application/json',
        'webhook-id': stored[i]?.event.id,
        'causeflow-cursor': stored[i]?.cursor,
        'user-agent': USER_AGENT,
      });
    });
    expect(USER_AGENT).toMatch(/^CauseFlow-Webhooks\/\d+\.\d+\.\d+/);
    expect(t.err.join('')).toContain('→ 204');
  });

  it('--forward-to signs with the --secret given', async () => {
    const bodies: { body: string; headers: IncomingHttpHeaders }[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c;
      });
      req.on('end', () => {
        bodies.push({ body, headers: req.headers });
        res.writeHead(500).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => receiver.close(resolve)));
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const s = await catchUpServer();
    const t = tail({
      url: s.url,
      token: await s.stream.token(),
      forwardTo: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`,
      secret,
    });
    await waitFor(() => t.err.some((l) => l.startsWith('# connected')), 5000, 'connected');
    await s.stream.publish([sample('user.created', { tenantId: TENANT })]);
    await waitFor(() => t.err.some((l) => l.includes('→ 500')), 5000, 'the reported 500');
    t.stop();
    await t.exit;
    const [first] = bodies;
    expect(() =>
      new Webhook(secret).verify(first?.body ?? '', first?.headers as Record<string, string>),
    ).not.toThrow();
    expect(t.err.join('')).not.toContain(secret);
  });
});
