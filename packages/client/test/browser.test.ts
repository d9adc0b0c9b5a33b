// The ESM bundle in headless Chromium: a page on localhost opens a stream to the real server
// (CORS allowed for the page's origin) and receives a published event, over fetch and EventSource.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer } from '@causeflow/stream-server/testing';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleBrowser } from '../scripts/bundle.mjs';
import { sample } from './fixtures.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const inCI = process.env.CI === 'true';
// Under CI the test must run (and fail without Chromium); locally it is skipped, visibly.
const title =
  hasChromium || inCI
    ? 'in headless Chromium'
    : `in headless Chromium — SKIPPED: ${CHROMIUM} is missing (apt-get install -y chromium)`;

describe.skipIf(!hasChromium && !inCI)(title, () => {
  let dir: string;
  let page: Server;
  let pageOrigin: string;
  let browser: Browser;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'causeflow-client-browser-'));
    const bundle = join(dir, 'causeflow-client.js');
    await bundleBrowser(new URL('../src/index.ts', import.meta.url).pathname, bundle, {
      sourcemap: false,
    });
    const script = readFileSync(bundle);
    page = createServer((req, res) => {
      if (req.url === '/causeflow-client.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' });
        res.end(script);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><meta charset="utf-8"><title>causeflow client</title>');
    });
    await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
    pageOrigin = `http://127.0.0.1:${(page.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (page ? page.close(() => resolve()) : resolve()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('receives a published event through openStream and openEventSourceWithTicket', async () => {
    const server = await startTestServer({ corsOrigins: [pageOrigin], config: { retryMs: 50 } });
    try {
      const tab = await browser.newPage();
      const pageErrors: string[] = [];
      tab.on('pageerror', (e) => pageErrors.push(e.message));
      await tab.goto(`${pageOrigin}/`);
      const token = await server.token();
      // A string, not a function: the page itself must run the dynamic import (untransformed).
      await tab.evaluate(`(async () => {
        const client = await import('/causeflow-client.js');
        const options = {
          url: ${JSON.stringify(server.url)},
          token: () => ${JSON.stringify(token)},
          backoff: { initialMs: 50, maxMs: 200 },
        };
        window.received = [];
        window.states = [];
        const streams = { fetch: client.openStream(options), ticket: client.openEventSourceWithTicket(options) };
        for (const [name, s] of Object.entries(streams)) {
          s.on('state', (st) => window.states.push(name + ':' + st));
          s.on('incident.created', (e) => window.received.push(name + ':' + e.data.title));
        }
      })()`);
      await tab.waitForFunction(
        () => {
          const states = (window as unknown as { states: string[] }).states;
          return states.includes('fetch:open') && states.includes('ticket:open');
        },
        undefined,
        { timeout: 10_000 },
      );
      await server.publish([
        sample('incident.created', { tenantId: 'ten_test', title: 'from the browser test' }),
      ]);
      await tab.waitForFunction(
        () => (window as unknown as { received: string[] }).received.length >= 2,
        undefined,
        {
          timeout: 10_000,
        },
      );
      const received = await tab.evaluate(
        () => (window as unknown as { received: string[] }).received,
      );
      expect(received.sort()).toEqual([
        'fetch:from the browser test',
        'ticket:from the browser test',
      ]);
      expect(pageErrors).toEqual([]);
      await tab.close();
    } finally {
      await server.close();
    }
  }, 30_000);

  it('reports a CORS refusal as "origin probably not allowed", and a server that is down as "cannot connect"', async () => {
    const server = await startTestServer({ corsOrigins: ['https://someone-else.example'] });
    const down = createServer();
    await new Promise<void>((resolve) => down.listen(0, '127.0.0.1', resolve));
    const downUrl = `http://127.0.0.1:${(down.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => down.close(() => resolve()));
    try {
      const tab = await browser.newPage();
      await tab.goto(`${pageOrigin}/`);
      const token = await server.token();
      await tab.evaluate(`(async () => {
        const client = await import('/causeflow-client.js');
        window.errors = { refused: [], down: [] };
        for (const [name, url] of [['refused', ${JSON.stringify(server.url)}], ['down', ${JSON.stringify(downUrl)}]]) {
          const stream = client.openStream({ url, token: ${JSON.stringify(token)}, backoff: { initialMs: 50, maxMs: 100 } });
          stream.on('error', (e) => window.errors[name].push(e.code + ': ' + e.message));
          window.errors[name].stream = stream;
        }
        window.ticketErrors = [];
        const ticket = client.openEventSourceWithTicket({ url: ${JSON.stringify(server.url)}, token: ${JSON.stringify(token)}, backoff: { initialMs: 50, maxMs: 100 } });
        ticket.on('error', (e) => window.ticketErrors.push(e.code));
      })()`);
      await tab.waitForFunction(
        () => {
          const w = window as unknown as {
            errors: { refused: string[]; down: string[] };
            ticketErrors: string[];
          };
          return (
            w.errors.refused.length > 0 && w.errors.down.length > 0 && w.ticketErrors.length > 0
          );
        },
        undefined,
        { timeout: 10_000 },
      );
      const { errors, ticketErrors } = (await tab.evaluate(() => {
        const w = window as unknown as {
          errors: { refused: string[]; down: string[] };
          ticketErrors: string[];
        };
        return {
          errors: { refused: [...w.errors.refused], down: [...w.errors.down] },
          ticketErrors: [...w.ticketErrors],
        };
      })) as { errors: { refused: string[]; down: string[] }; ticketErrors: string[] };
      expect(errors.refused[0]).toMatch(/^origin_not_allowed: .*origin is probably not allowed/);
      expect(errors.refused[0]).toContain(pageOrigin);
      expect(errors.down[0]).toMatch(/^network_error: cannot connect/);
      expect(ticketErrors[0]).toBe('origin_not_allowed');
      await tab.close();
    } finally {
      await server.close();
    }
  }, 30_000);
});
