import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventCatalog } from '@causeflow/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_TOKENS_PATH, DOCS_NOT_BUILT } from '../src/routes/docs.js';
import { startTestServer, type TestServer } from '../src/testing.js';

let site: string;
let empty: string;
let server: TestServer;
let unbuilt: TestServer;

beforeAll(async () => {
  site = await mkdtemp(join(tmpdir(), 'causeflow-docs-'));
  empty = await mkdtemp(join(tmpdir(), 'causeflow-docs-empty-'));
  await mkdir(join(site, 'site', 'assets'), { recursive: true });
  await mkdir(join(site, 'site', 'events'));
  await writeFile(join(site, 'site', 'index.html'), '<!doctype html><title>CauseFlow docs</title>');
  await writeFile(join(site, 'site', 'contract.html'), '<p>contract</p>');
  await writeFile(join(site, 'site', 'events', 'index.html'), '<p>catalog</p>');
  await writeFile(join(site, 'site', 'assets', 'app.4f2a.js'), 'console.log(1)');
  await writeFile(join(site, 'site', 'asyncapi.json'), '{"asyncapi":"3.0.0"}');
  await writeFile(join(site, 'site', '.env'), 'SECRET=1');
  await writeFile(join(site, 'site', 'events', 'incident.created.html'), '<p>incident.created</p>');
  await writeFile(join(site, 'site', '404.html'), '<!doctype html><title>404 | CauseFlow</title>');
  await writeFile(join(site, 'outside.txt'), 'outside the site');
  await mkdir(join(site, 'outside-dir'));
  await writeFile(join(site, 'outside-dir', 'secret.html'), 'outside the site');
  await symlink(join(site, 'outside.txt'), join(site, 'site', 'leak.txt'));
  await symlink(join(site, 'outside-dir'), join(site, 'site', 'leakdir'));
  await symlink(join(site, 'site', 'contract.html'), join(site, 'site', 'alias.html'));
  server = await startTestServer({ config: { docsDir: join(site, 'site') } });
  unbuilt = await startTestServer({ config: { docsDir: empty } });
});
afterAll(async () => {
  await server.close();
  await unbuilt.close();
  await rm(site, { recursive: true, force: true });
  await rm(empty, { recursive: true, force: true });
});

/** A raw GET, so the path reaches the server exactly as written (no URL normalisation). */
function rawGet(
  port: number,
  path: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('GET /docs/', () => {
  it('redirects /docs to /docs/', async () => {
    const res = await fetch(`${server.url}/docs`, { redirect: 'manual' });
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe('/docs/');
  });

  it('serves index.html with an HTML content type', async () => {
    const res = await fetch(`${server.url}/docs/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toContain('<title>CauseFlow docs</title>');
  });

  it('serves pages, folder indexes and files with the content type of their extension', async () => {
    const page = await fetch(`${server.url}/docs/contract.html`);
    expect(page.status).toBe(200);
    expect(await page.text()).toBe('<p>contract</p>');
    const clean = await fetch(`${server.url}/docs/contract`);
    expect(await clean.text()).toBe('<p>contract</p>');
    const folder = await fetch(`${server.url}/docs/events/`);
    expect(await folder.text()).toBe('<p>catalog</p>');
    const json = await fetch(`${server.url}/docs/asyncapi.json`);
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
    const script = await fetch(`${server.url}/docs/assets/app.4f2a.js`);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect(script.headers.get('cache-control')).toContain('immutable');
  });

  it.each([
    '/docs/../outside.txt',
    '/docs/..%2foutside.txt',
    '/docs/%2e%2e/outside.txt',
    '/docs/%2e%2e%2f%2e%2e%2fpackage.json',
    '/docs/.env',
    '/docs/missing.html',
    '/docs/%E0%A4%A',
    '/docs/leak.txt',
    '/docs/leakdir/secret.html',
    '/docs/leakdir/secret',
  ])('answers %s with a JSON 404 and never a file outside the site', async (path) => {
    const res = await rawGet(server.port, path);
    expect(res.status).toBe(404);
    expect(res.body).not.toContain('outside the site');
    expect(res.body).not.toContain('SECRET');
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'not_found' } });
  });

  it('serves extensionless page URLs, also for names with a dot', async () => {
    const res = await fetch(`${server.url}/docs/events/incident.created`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('<p>incident.created</p>');
  });

  it('follows a symlink that stays inside the site', async () => {
    const res = await fetch(`${server.url}/docs/alias.html`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('<p>contract</p>');
  });

  it("answers a browser's missing page with the site's HTML 404 page, API clients with JSON", async () => {
    const html = await fetch(`${server.url}/docs/events/nope`, {
      headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' },
    });
    expect(html.status).toBe(404);
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await html.text()).toContain('404 | CauseFlow');
    const json = await fetch(`${server.url}/docs/events/nope`);
    expect(json.status).toBe(404);
    expect(await json.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('reports no app error when clients close right after a complete response', async () => {
    const errors: unknown[] = [];
    const listener = (error: unknown) => errors.push(error);
    server.app.app.on('error', listener);
    try {
      for (let i = 0; i < 20; i++) {
        await new Promise<void>((resolve, reject) => {
          const req = request(
            { host: '127.0.0.1', port: server.port, path: '/docs/contract.html' },
            (res) => {
              res.on('data', () => {
                // The whole (small) body is here: hang up at once, as curl often does.
                res.socket.destroy();
                resolve();
              });
            },
          );
          req.on('error', reject);
          req.end();
        });
      }
      // A request after them: its answer comes after any error the closes could cause.
      expect((await fetch(`${server.url}/docs/`)).status).toBe(200);
      expect(errors).toEqual([]);
    } finally {
      server.app.app.off('error', listener);
    }
  });

  it('refuses other methods with 405', async () => {
    const res = await fetch(`${server.url}/docs/`, { method: 'POST' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
  });

  it('says how to build the site when it is not built', async () => {
    const res = await fetch(`${unbuilt.url}/docs/`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: { code: 'docs_not_built', message: DOCS_NOT_BUILT },
    });
    expect(DOCS_NOT_BUILT).toBe('docs not built: run pnpm --filter @causeflow/docs build');
  });

  it('leaves other routes alone', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/docsx`)).status).toBe(404);
  });
});

describe('dev tokens for the docs pages', () => {
  it('hands out ten_demo tokens in dev mode, and the publisher token can publish', async () => {
    const dev = await startTestServer({ config: { devMode: true, docsDir: undefined } });
    try {
      const res = await fetch(`${dev.url}${DEV_TOKENS_PATH}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const tokens = (await res.json()) as { publisherToken: string; tenantToken: string };
      const publish = await fetch(`${dev.url}/v1/events`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${tokens.publisherToken}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ ...eventCatalog['user.created'].examples[0], tenantId: 'ten_demo' }),
      });
      expect(publish.status).toBe(202);
      const cross = await fetch(`${dev.url}${DEV_TOKENS_PATH}`, {
        headers: { 'sec-fetch-site': 'cross-site' },
      });
      expect(cross.status).toBe(404);
    } finally {
      await dev.close();
    }
  });

  it('does not exist outside dev mode', async () => {
    const res = await fetch(`${server.url}${DEV_TOKENS_PATH}`);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('Token');
  });
});
