/**
 * The built site in a real browser (Chromium via playwright-core): search, field tables checked
 * against the schemas, the API documents, and the live page receiving an event published through
 * a real stream server's ingest endpoint. Builds the site once, into test-results/site.
 * Screenshots: test-results/*.png.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startTestServer, type TestServer } from '@causeflow/stream-server/testing';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && process.env.CI === 'true') {
  throw new Error(
    `${CHROMIUM} is missing; CI must run the browser tests (apt-get install -y chromium)`,
  );
}

const run = promisify(execFile);
const docsRoot = fileURLToPath(new URL('..', import.meta.url));
const schemasDir = fileURLToPath(new URL('../../../schemas', import.meta.url));
const results = join(docsRoot, 'test-results');
const buildDir = join(results, 'site');
const dist = join(buildDir, 'dist');
const bin = (name: string) => join(docsRoot, 'node_modules/.bin', name);

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/** Serves the built site under /docs/, as the stream server does. */
function serveSite(root: string): Promise<Server> {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (!path.startsWith('/docs/')) {
      res.writeHead(404).end();
      return;
    }
    let file = normalize(join(root, path.slice('/docs/'.length)));
    if (!file.startsWith(root)) {
      res.writeHead(403).end();
      return;
    }
    if (path.endsWith('/')) file = join(file, 'index.html');
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res
        .writeHead(404, { 'content-type': 'text/html' })
        .end(await readFile(join(root, '404.html')));
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Locally, without Chromium, the suite is skipped under a name that says why. */
const describeBrowser = hasChromium
  ? describe
  : (name: string, fn: () => void) =>
      describe.skip(`${name} (SKIPPED: ${CHROMIUM} missing; apt-get install -y chromium)`, fn);

describeBrowser('the built docs site in Chromium', () => {
  let site: Server;
  let origin: string;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    await rm(buildDir, { recursive: true, force: true });
    await mkdir(results, { recursive: true });
    const env = { ...process.env, DOCS_BUILD_DIR: buildDir };
    await run(bin('tsx'), ['scripts/generate.ts', '--out', join(buildDir, 'generated')], {
      cwd: docsRoot,
      env,
    });
    await run(bin('vitepress'), ['build'], { cwd: docsRoot, env, timeout: 110_000 });
    site = await serveSite(dist);
    origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => (site ? site.close(resolve) : resolve(undefined)));
  });

  async function tableRows(scope: string): Promise<{ field: string; required: string }[]> {
    return page.$$eval(`.cf-fields[data-scope="${scope}"] tbody tr`, (rows) =>
      rows.map((row) => {
        const cells = [...row.querySelectorAll('td')].map((td) => td.textContent?.trim() ?? '');
        return { field: cells[0] ?? '', required: cells[2] ?? '' };
      }),
    );
  }

  async function expectTableMatchesSchema(name: string): Promise<void> {
    const schema = JSON.parse(await readFile(join(schemasDir, `events/${name}.json`), 'utf8'));
    const data = schema.properties.data as { required?: string[]; properties: object };
    const rows = new Map((await tableRows('data')).map((r) => [r.field, r.required]));
    for (const key of Object.keys(data.properties)) {
      const want = data.required?.includes(key) ? 'yes' : 'no';
      expect(rows.get(`data.${key}`), `${name}: data.${key}`).toBe(want);
    }
    const envelope = new Map((await tableRows('envelope')).map((r) => [r.field, r.required]));
    for (const key of Object.keys(schema.properties)) {
      expect(envelope.get(key), `${name}: ${key}`).toBe(
        schema.required.includes(key) ? 'yes' : 'no',
      );
    }
  }

  it('finds an event through the search box and shows its field table as in the schema', async () => {
    await page.goto(`${origin}/docs/`);
    await page.locator('.VPNavBarSearch button').click();
    await page.locator('#localsearch-input').fill('known_solution_found');
    const result = page.locator('.VPLocalSearchBox .result', { hasText: 'known_solution_found' });
    await result.first().waitFor();
    await page.screenshot({ path: join(results, 'search.png') });
    await result.first().click();
    await page.waitForURL(/\/docs\/events\/investigation\.known_solution_found\.html/);
    await page.locator('.cf-fields[data-scope="data"] table').waitFor();
    await page.screenshot({ path: join(results, 'event-page.png'), fullPage: true });
    await page
      .locator('.cf-fields[data-scope="data"]')
      .screenshot({ path: join(results, 'field-table.png') });
    expect(await page.locator('h1').first().textContent()).toContain(
      'investigation.known_solution_found',
    );
    await expectTableMatchesSchema('investigation.known_solution_found');
  });

  it('shows, on every event page, every schema property with the right required flag', async () => {
    const names = (await readdir(join(schemasDir, 'events')))
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.replace(/\.json$/, ''));
    expect(names.length).toBeGreaterThanOrEqual(20);
    // Navigate through the sidebar (client-side routing, as a reader would): fast and realistic.
    await page.goto(`${origin}/docs/events/`);
    for (const name of names) {
      await page.locator(`.VPSidebar a[href="/docs/events/${name}.html"]`).click();
      await page.locator('h1', { hasText: name }).waitFor();
      await expectTableMatchesSchema(name);
    }
  });

  it('groups the catalog by domain and links the API documents from the nav', async () => {
    await page.goto(`${origin}/docs/events/`);
    const headings = await page.locator('.vp-doc h2').allTextContents();
    expect(headings.map((h) => h.replace(/\u200b|#/g, '').trim())).toEqual([
      'Tenant',
      'User',
      'Ingestion',
      'Investigation',
      'Remediation',
      'Integration',
      'Code intelligence',
      'Incident lifecycle',
    ]);
    await page.screenshot({ path: join(results, 'catalog.png'), fullPage: true });
    for (const [doc, key] of [
      ['asyncapi.json', 'asyncapi'],
      ['openapi.json', 'openapi'],
    ] as const) {
      const href = await page.locator(`a[href="/docs/${doc}"]`).first().getAttribute('href', {
        timeout: 5000,
      });
      const res = await fetch(`${origin}${href}`);
      expect(res.status).toBe(200);
      expect(Object.keys(await res.json())).toContain(key);
    }
  });

  describe('the live page', () => {
    let server: TestServer;

    beforeAll(async () => {
      server = await startTestServer({ corsOrigins: [origin], heartbeatMs: 1000 });
    });
    afterAll(async () => {
      await server?.close();
    });

    async function publish(event: object): Promise<void> {
      const publisher = await server.token({ tenantId: 'ten_demo', scope: 'events:publish' });
      const res = await fetch(`${server.url}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${publisher}`, 'content-type': 'application/json' },
        body: JSON.stringify(event),
      });
      expect(res.status).toBe(202);
    }

    it('shows an event published through the ingest endpoint, and filters by name', async () => {
      const token = await server.token({ tenantId: 'ten_demo' });
      const query = new URLSearchParams({ token, server: server.url });
      await page.goto(`${origin}/docs/live.html?${query}`);
      await page.locator('[data-testid="state"]', { hasText: 'open' }).waitFor({ timeout: 15_000 });
      expect(page.url()).not.toContain('token=');

      await publish({
        event: 'incident.created',
        timestamp: '2024-04-01T14:30:00Z',
        tenantId: 'ten_demo',
        data: {
          incidentId: 'inc_BROWSER_TEST',
          title: 'Checkout service returning 503 for EU customers',
          severity: 'critical',
          status: 'open',
          source: 'automated',
        },
      });
      const created = page.locator('[data-testid="live-event"][data-event="incident.created"]');
      await created.waitFor({ timeout: 10_000 });
      await created.locator('summary').click();
      expect(await created.locator('pre').textContent()).toContain('inc_BROWSER_TEST');
      await page.screenshot({ path: join(results, 'live.png'), fullPage: true });

      await page.locator('[data-testid="filter"]').selectOption('remediation.*');
      await created.waitFor({ state: 'detached' });
      expect(await page.locator('[data-testid="count"]').textContent()).toBe('0 of 1');
      await publish({
        event: 'remediation.approved',
        timestamp: '2024-04-01T14:36:00Z',
        tenantId: 'ten_demo',
        data: {
          remediationId: 'rem_01HX9VTPQR3KF8MZWBYD5N6JCE',
          approvedBy: 'user_01HX9VTPQR3KF8MZWBYD5N6JCE',
          incidentId: 'inc_BROWSER_TEST',
        },
      });
      await page
        .locator('[data-testid="live-event"][data-event="remediation.approved"]')
        .waitFor({ timeout: 10_000 });
      expect(await page.locator('[data-testid="count"]').textContent()).toBe('1 of 2');
      await page.screenshot({ path: join(results, 'live-filtered.png'), fullPage: true });
      await page.locator('[data-testid="disconnect"]').click();
      await page.locator('[data-testid="state"]', { hasText: 'disconnected' }).waitFor();
    });
  });
});
