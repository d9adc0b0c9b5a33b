/**
 * The built site in a real browser (Chromium via playwright-core), served by a real stream server's
 * docs route (in dev mode, so the dev token endpoint exists): every documented fact inside the
 * viewport at 1280 px and 390 px, search landing on fields and pages, code tabs, downloads, the
 * browser EventSource snippet with fresh tickets across a server restart, the live page (cursor,
 * `?events=`, stopping on 401), "send example", the HTML 404 page and extensionless URLs.
 * Builds the site once, into test-results/site. Screenshots: test-results/*.png.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createMemoryEventLog, type EventLog } from '@causeflow/bus';
import { loadSchemaSet } from '@causeflow/codegen';
import { INCIDENT_LIFECYCLE } from '@causeflow/events';
import { startTestServer, type TestServer } from '@causeflow/stream-server/testing';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lifecycleOrder } from '../src/lifecycle.js';
import { docsModel } from '../src/model.js';
import {
  BASE_URL_PLACEHOLDER,
  BROWSER_TOKEN_PLACEHOLDER,
  eventSourceSnippet,
} from '../src/snippets.js';

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
const model = docsModel(await loadSchemaSet(schemasDir));
const SECRET = 'docs-browser-test-secret-0123456789abcdef';

/** Locally, without Chromium, the suite is skipped under a name that says why. */
const describeBrowser = hasChromium
  ? describe
  : (name: string, fn: () => void) =>
      describe.skip(`${name} (SKIPPED: ${CHROMIUM} missing; apt-get install -y chromium)`, fn);

/** Every documented fact on the page that sits outside the viewport horizontally, and the overflow. */
async function factsOutside(page: Page): Promise<{ outside: string[]; scroll: number[] }> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const facts = document.querySelectorAll(
      '.cf-field-head > *, .cf-field-desc, .cf-tag, .cf-catalog li, .cf-actions a, .cf-schema-id, .cf-lifecycle li, .vp-doc th, .vp-doc td',
    );
    const outside: string[] = [];
    for (const el of facts) {
      const rect = el.getBoundingClientRect();
      if (rect.width === 0 && rect.height === 0) continue;
      // The text itself, which can overflow its box (nowrap, long tokens).
      const range = document.createRange();
      range.selectNodeContents(el);
      const text = range.getBoundingClientRect();
      const left = Math.min(rect.left, text.width > 0 ? text.left : rect.left);
      const right = Math.max(rect.right, text.right);
      if (left < -0.5 || right > width + 0.5) {
        const field = el.closest('.cf-field')?.id ?? el.getAttribute('data-label') ?? '';
        outside.push(
          `${field} ${el.className}: ${el.textContent?.slice(0, 60)} [${Math.round(left)}–${Math.round(right)} of ${width}]`,
        );
      }
    }
    return { outside, scroll: [document.documentElement.scrollWidth, width] };
  });
}

describeBrowser('the built docs site in Chromium', () => {
  let log: EventLog;
  let server: TestServer;
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
    await run(bin('vitepress'), ['build'], { cwd: docsRoot, env, timeout: 170_000 });
    log = createMemoryEventLog({ retention: 10_000 });
    server = await startTestServer({
      log,
      jwtSecret: SECRET,
      heartbeatMs: 1000,
      config: { docsDir: dist, devMode: true },
    });
    origin = server.url;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await log?.close();
  });

  async function publish(event: object): Promise<string> {
    const [stored] = await server.publish([{ ...event, tenantId: 'ten_demo' }]);
    return stored!.cursor;
  }

  describe('layout: every documented fact within the viewport', () => {
    for (const width of [1280, 390]) {
      it(`shows every field of every event page, with its required flag, at ${width} px`, async () => {
        const p = await browser.newPage({ viewport: { width, height: 900 } });
        try {
          for (const event of model.events) {
            await p.goto(`${origin}/docs/events/${event.name}.html`);
            await p.locator('.cf-fields[data-scope="data"]').waitFor();
            const { outside, scroll } = await factsOutside(p);
            expect(outside, `${event.name} at ${width}px`).toEqual([]);
            expect(scroll[0], `${event.name}: horizontal scroll at ${width}px`).toBe(scroll[1]);
            const schema = JSON.parse(
              await readFile(join(schemasDir, `events/${event.name}.json`), 'utf8'),
            );
            const data = schema.properties.data as { required?: string[]; properties: object };
            for (const key of Object.keys(data.properties)) {
              const field = p.locator(`.cf-fields[data-scope="data"] [id="data.${key}"]`);
              expect(await field.getAttribute('data-required'), `${event.name} data.${key}`).toBe(
                data.required?.includes(key) ? 'yes' : 'no',
              );
            }
          }
          await p.screenshot({ path: join(results, `event-page-${width}.png`), fullPage: true });
          for (const path of [
            'events/',
            'reference/definitions.html',
            'reference/control-events.html',
            'changelog.html',
            'webhooks.html',
            'getting-started.html',
            'contract.html',
            'operating.html',
            'reference/api.html',
            'reference/openapi.html',
            'reference/asyncapi.html',
            'contributing.html',
            'live.html',
            '',
          ]) {
            await p.goto(`${origin}/docs/${path}`);
            await p.locator('h1').first().waitFor();
            const { outside, scroll } = await factsOutside(p);
            expect(outside, `${path} at ${width}px`).toEqual([]);
            expect(scroll[0], `${path}: horizontal scroll at ${width}px`).toBe(scroll[1]);
          }
          await p.screenshot({ path: join(results, `catalog-${width}.png`) });
        } finally {
          await p.close();
        }
      }, 180_000);
    }

    for (const width of [1280, 390]) {
      it(`draws the incident lifecycle on getting started and the catalog at ${width} px: every phase in order, stacked, each event linked`, async () => {
        const p = await browser.newPage({ viewport: { width, height: 900 } });
        try {
          for (const path of ['getting-started.html', 'events/']) {
            await p.goto(`${origin}/docs/${path}`);
            await p.locator('.cf-lifecycle').waitFor();
            const boxes = await p.locator('.cf-lifecycle > li').evaluateAll((els) =>
              els.map((el) => {
                const r = el.getBoundingClientRect();
                const arrow = getComputedStyle(el, '::before').content;
                return { id: el.id, top: r.top, bottom: r.bottom, width: r.width, arrow };
              }),
            );
            expect(boxes.map((b) => b.id)).toEqual(
              INCIDENT_LIFECYCLE.map((phase) => `lifecycle-${phase.key}`),
            );
            for (let i = 1; i < boxes.length; i++) {
              expect(
                boxes[i]!.top,
                `${path}: ${boxes[i]!.id} below the previous box`,
              ).toBeGreaterThan(boxes[i - 1]!.bottom);
              expect(boxes[i]!.arrow, `${path}: an arrow into ${boxes[i]!.id}`).toMatch(/[↓⇣]/);
            }
            const { outside, scroll } = await factsOutside(p);
            expect(outside, `${path} at ${width}px`).toEqual([]);
            expect(scroll[0], `${path}: horizontal scroll at ${width}px`).toBe(scroll[1]);
            const links = await p
              .locator('.cf-lifecycle a')
              .evaluateAll((els) => els.map((a) => (a as HTMLAnchorElement).pathname));
            expect(new Set(links)).toEqual(
              new Set(
                lifecycleOrder()
                  .flat()
                  .map((name) => `/docs/events/${name}.html`),
              ),
            );
          }
          await p.goto(`${origin}/docs/getting-started.html#how-an-incident-unfolds`);
          await p
            .locator('.cf-lifecycle')
            .screenshot({ path: join(results, `lifecycle-${width}.png`) });
          const target = p.locator('.cf-lifecycle a', { hasText: 'remediation.approved' }).first();
          await target.click();
          await p.waitForURL(/\/docs\/events\/remediation\.approved\.html$/);
          await p.locator('h1', { hasText: 'remediation.approved' }).waitFor();
        } finally {
          await p.close();
        }
      }, 120_000);
    }

    it('reports a fact that does not fit, so the check has teeth', async () => {
      const p = await browser.newPage({ viewport: { width: 390, height: 900 } });
      try {
        await p.goto(`${origin}/docs/events/incident.created.html`);
        await p.locator('.cf-fields').first().waitFor();
        await p.addStyleTag({
          content: '.cf-field-desc { white-space: nowrap !important; }',
        });
        const { outside } = await factsOutside(p);
        expect(outside.length).toBeGreaterThan(0);
      } finally {
        await p.close();
      }
    });

    it('stacks the rows of every contract and operating table at 390 px, each cell labelled by its column', async () => {
      const p = await browser.newPage({ viewport: { width: 390, height: 900 } });
      try {
        for (const path of ['contract.html', 'operating.html']) {
          await p.goto(`${origin}/docs/${path}`);
          await p.locator('.vp-doc table').first().waitFor();
          const cells = await p.locator('.vp-doc td').evaluateAll((els) =>
            els.map((el) => ({
              label: el.getAttribute('data-label'),
              first: el.previousElementSibling === null,
              shown: getComputedStyle(el, '::before').content,
              display: getComputedStyle(el).display,
            })),
          );
          expect(cells.length, path).toBeGreaterThan(10);
          for (const cell of cells) {
            expect(cell.label, path).toBeTruthy();
            expect(cell.display, path).toBe('block');
            if (!cell.first) expect(cell.shown, path).toBe(`"${cell.label}"`);
          }
        }
        await p.goto(`${origin}/docs/contract.html#errors-and-status-codes`);
        await p.screenshot({ path: join(results, 'contract-390.png') });
      } finally {
        await p.close();
      }
    });

    it('reports a table cell that does not fit, so the table check has teeth', async () => {
      const p = await browser.newPage({ viewport: { width: 390, height: 900 } });
      try {
        await p.goto(`${origin}/docs/contract.html`);
        await p.locator('.vp-doc table').first().waitFor();
        // The theme's table without the narrow-screen stacking: a row per line, cells side by side.
        await p.addStyleTag({
          content: [
            '.vp-doc thead { display: table-header-group !important; }',
            '.vp-doc tbody { display: table-row-group !important; }',
            '.vp-doc tr { display: table-row !important; }',
            '.vp-doc td { display: table-cell !important; }',
            '.vp-doc td, .vp-doc td code { overflow-wrap: normal !important; word-break: normal !important; }',
          ].join('\n'),
        });
        const { outside } = await factsOutside(p);
        expect(outside.length).toBeGreaterThan(0);
      } finally {
        await p.close();
      }
    });

    it('shows the enum values of definitions, the outline at desktop width and whole sidebar names', async () => {
      await page.goto(`${origin}/docs/reference/definitions.html`);
      const severity = page.locator('[id="def.Severity"] .cf-tag[data-kind="enum"]');
      expect(await severity.textContent()).toBe('one of critical high medium low');
      await page.goto(`${origin}/docs/events/investigation.known_solution_found.html`);
      await page.locator('.VPDocAsideOutline .outline-link', { hasText: 'Fields' }).waitFor();
      const link = page.locator(
        '.VPSidebar a[href="/docs/events/investigation.known_solution_found.html"] .text',
      );
      const box = await link.evaluate((el) => [el.scrollWidth, el.clientWidth]);
      expect(box[0]).toBeLessThanOrEqual(box[1]!);
    });
  });

  describe('search', () => {
    async function firstResult(query: string): Promise<string> {
      await page.goto(`${origin}/docs/`);
      await page.locator('.VPNavBarSearch button').click();
      await page.locator('#localsearch-input').fill(query);
      const first = page.locator('.VPLocalSearchBox .result').first();
      await first.waitFor();
      await page.waitForFunction(
        (q) =>
          document
            .querySelector('.VPLocalSearchBox .result')
            ?.textContent?.toLowerCase()
            .includes(q.toLowerCase().split('.').pop() ?? ''),
        query,
      );
      return (await first.getAttribute('href')) ?? '';
    }

    it('lands a field name on its field', async () => {
      expect(await firstResult('approvedBy')).toBe(
        '/docs/events/remediation.approved.html#data.approvedBy',
      );
      await page.locator('.VPLocalSearchBox .result').first().click();
      await page.waitForURL(/#data\.approvedBy$/);
      const field = page.locator('[id="data.approvedBy"]');
      await field.waitFor();
      expect(await field.isVisible()).toBe(true);
      const box = await field.boundingBox();
      expect(box!.y).toBeGreaterThanOrEqual(0);
      expect(box!.y).toBeLessThan(900);
      await page.screenshot({ path: join(results, 'search-field.png') });
    });

    it('lands an event name on its page first', async () => {
      expect(await firstResult('known_solution_found')).toBe(
        '/docs/events/investigation.known_solution_found.html',
      );
      expect(await firstResult('remediation.approved')).toBe(
        '/docs/events/remediation.approved.html',
      );
    });
  });

  describe('an event page', () => {
    it('has code tabs, a schema download with $id, and a watch-live link', async () => {
      await page.goto(`${origin}/docs/events/remediation.approved.html`);
      const tabs = await page.locator('.vp-code-group .tabs label').allTextContents();
      expect(tabs).toEqual([
        'curl',
        'Browser (EventSource)',
        'TypeScript',
        'TypeScript (catch up)',
        'Python',
      ]);
      const download = page.locator('[data-testid="download-schema"]');
      const schemaRes = await fetch(
        `${origin}${await download.getAttribute('href').then((h) => new URL(h!, page.url()).pathname)}`,
      );
      const schema = await schemaRes.json();
      expect(schema.$id).toBe('https://schemas.causeflow.dev/events/remediation.approved.json');
      expect(JSON.stringify(schema)).not.toContain('defs.json');
      expect(await page.locator('[data-testid="schema-id"]').textContent()).toBe(schema.$id);
      const watch = await page.locator('[data-testid="watch-live"]').getAttribute('href');
      expect(new URL(watch!, page.url()).pathname + new URL(watch!, page.url()).search).toBe(
        '/docs/live.html?events=remediation.approved',
      );
    });

    it('publishes its example with "send example" against a server in dev mode', async () => {
      await page.goto(`${origin}/docs/events/user.created.html`);
      await page.locator('[data-testid="send-example"]').click();
      const status = page.locator('[data-testid="send-status"]', { hasText: 'published' });
      await status.waitFor({ timeout: 15_000 });
      expect(await status.textContent()).toContain('"accepted":1');
    });
  });

  describe('the browser EventSource snippet', () => {
    it('receives its event, and after a server restart gets a fresh ticket and resumes', async () => {
      const event = model.events.find((e) => e.name === 'incident.created')!;
      const token = await server.token({ tenantId: 'ten_demo' });
      const code = eventSourceSnippet(event)
        .replace(BASE_URL_PLACEHOLDER, origin)
        .replace(BROWSER_TOKEN_PLACEHOLDER, token);
      const p = await browser.newPage();
      const logs: string[] = [];
      const tickets: string[] = [];
      const streams: string[] = [];
      p.on('console', (m) => logs.push(m.text()));
      p.on('request', (r) => {
        if (r.url().includes('/v1/notifications/tickets')) tickets.push(r.url());
        if (r.url().includes('/v1/notifications/stream')) streams.push(r.url());
      });
      try {
        await p.goto(`${origin}/docs/`);
        await p.addScriptTag({ content: code });
        await expect.poll(() => streams.length, { timeout: 10_000 }).toBe(1);
        const example = event.examples[0] as { data: { incidentId: string; title: string } };
        // The open stream is registered before its first byte; wait for the server to have it.
        await expect
          .poll(() => server.app.stats().connections, { timeout: 10_000 })
          .toBeGreaterThan(0);
        await publish(example);
        await expect
          .poll(() => logs.filter((l) => l.startsWith('incident.created')).length, {
            timeout: 10_000,
          })
          .toBe(1);
        expect(logs[0]).toBe(`incident.created ${example.data.incidentId} ${example.data.title}`);

        // Restart the server on the same port and log: the snippet must get a new ticket and
        // resume after its cursor, receiving the event published while it was away.
        const port = server.port;
        await server.close();
        const missed = await log.append([{ ...example, tenantId: 'ten_demo' }]);
        server = await startTestServer({
          log,
          port,
          jwtSecret: SECRET,
          heartbeatMs: 1000,
          config: { docsDir: dist, devMode: true },
        });
        await expect
          .poll(() => logs.filter((l) => l.startsWith('incident.created')).length, {
            timeout: 20_000,
          })
          .toBe(2);
        expect(tickets.length).toBeGreaterThanOrEqual(2);
        const resumed = new URL(streams.at(-1)!);
        expect(resumed.searchParams.get('lastEventId')).not.toBeNull();
        expect(missed[0]!.cursor).not.toBe(resumed.searchParams.get('lastEventId'));
      } finally {
        await p.close();
      }
    }, 60_000);
  });

  describe('the live page', () => {
    it('connects with the dev token by itself, streams only ?events=, and shows each cursor', async () => {
      await page.goto(`${origin}/docs/live.html?events=remediation.approved`);
      await page.locator('[data-testid="state"]', { hasText: 'open' }).waitFor({ timeout: 15_000 });
      await expect
        .poll(() => server.app.stats().connections, { timeout: 10_000 })
        .toBeGreaterThan(0);
      await publish({
        event: 'incident.created',
        timestamp: '2024-04-01T14:30:00Z',
        data: (
          model.events.find((e) => e.name === 'incident.created')!.examples[0] as { data: object }
        ).data,
      });
      const cursor = await publish({
        event: 'remediation.approved',
        timestamp: '2024-04-01T14:36:00Z',
        data: {
          remediationId: 'rem_01HX9VTPQR3KF8MZWBYD5N6JCE',
          approvedBy: 'user_01HX9VTPQR3KF8MZWBYD5N6JCE',
          incidentId: 'inc_BROWSER_TEST',
        },
      });
      const approved = page.locator(
        '[data-testid="live-event"][data-event="remediation.approved"]',
      );
      await approved.first().waitFor({ timeout: 10_000 });
      expect(await approved.first().locator('[data-testid="cursor"]').textContent()).toBe(cursor);
      expect(
        await page.locator('[data-testid="live-event"][data-event="incident.created"]').count(),
      ).toBe(0);
      await page.screenshot({ path: join(results, 'live.png'), fullPage: true });
      await page.locator('[data-testid="disconnect"]').click();
      await page.locator('[data-testid="state"]', { hasText: 'disconnected' }).waitFor();
    });

    it('stops on a refused token with a clear message instead of retrying', async () => {
      const requests: string[] = [];
      const listener = (r: { url(): string }) => {
        if (r.url().includes('/v1/notifications/stream')) requests.push(r.url());
      };
      page.on('request', listener);
      try {
        await page.goto(`${origin}/docs/live.html?token=not.a.jwt`);
        await page
          .locator('[data-testid="state"]', { hasText: 'stopped' })
          .waitFor({ timeout: 15_000 });
        expect(await page.locator('[data-testid="error"]').textContent()).toContain(
          'refused the token (401)',
        );
        // The stream was closed, not left retrying: Connect again, Disconnect disabled.
        expect(await page.locator('[data-testid="connect"]').textContent()).toBe('Connect');
        expect(await page.locator('[data-testid="disconnect"]').isDisabled()).toBe(true);
        expect(requests.length).toBeGreaterThan(0);
      } finally {
        page.off('request', listener);
      }
    });
  });

  describe('served by the stream server', () => {
    it('answers a missing page with the HTML 404 page and extensionless event URLs with the page', async () => {
      const missing = await page.goto(`${origin}/docs/events/nope`);
      expect(missing?.status()).toBe(404);
      expect(await page.locator('.NotFound, .not-found, h1').first().textContent()).toMatch(
        /404|not found/i,
      );
      const clean = await page.goto(`${origin}/docs/events/incident.created`);
      expect(clean?.status()).toBe(200);
      await page.locator('h1', { hasText: 'incident.created' }).waitFor();
    });

    it('has a favicon, linked from every page', async () => {
      await page.goto(`${origin}/docs/`);
      const href = await page.locator('link[rel="icon"]').getAttribute('href');
      expect(href).toBe('/docs/favicon.svg');
      const res = await fetch(`${origin}${href}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    });

    it('groups the catalog by domain and serves both API documents and their readable pages', async () => {
      await page.goto(`${origin}/docs/events/`);
      const headings = await page.locator('.vp-doc h2').allTextContents();
      expect(headings.map((h) => h.replace(/\u200b|#/g, '').trim())).toEqual([
        ...model.domains.map((d) => d.title),
        'Incident lifecycle',
      ]);
      for (const [doc, key] of [
        ['asyncapi.json', 'asyncapi'],
        ['openapi.json', 'openapi'],
      ] as const) {
        const res = await fetch(`${origin}/docs/${doc}`);
        expect(res.status).toBe(200);
        expect(Object.keys(await res.json())).toContain(key);
      }
      await page.goto(`${origin}/docs/reference/openapi.html`);
      await page.locator('h2', { hasText: 'GET /v1/events' }).waitFor();
      await page.goto(`${origin}/docs/reference/asyncapi.html`);
      await page.locator('a', { hasText: 'incident.created' }).first().waitFor();
      expect((await readdir(join(dist, 'schemas'))).length).toBe(model.events.length);
    });
  });
});
