import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCS_NOT_BUILT } from '../src/routes/docs.js';
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
  await writeFile(join(site, 'outside.txt'), 'outside the site');
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
  ])('answers %s with a JSON 404 and never a file outside the site', async (path) => {
    const res = await rawGet(server.port, path);
    expect(res.status).toBe(404);
    expect(res.body).not.toContain('outside the site');
    expect(res.body).not.toContain('SECRET');
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'not_found' } });
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
