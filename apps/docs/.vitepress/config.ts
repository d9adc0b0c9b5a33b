/**
 * VitePress config. Pages come from generated/ (written by scripts/generate.ts from schemas/);
 * the site is built into .vitepress/dist and served under /docs/ by the stream server.
 * DOCS_BUILD_DIR (tests) moves all three folders: <dir>/generated, <dir>/dist, <dir>/cache.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DefaultTheme, defineConfig } from 'vitepress';

const root = fileURLToPath(new URL('..', import.meta.url));
const buildDir = process.env.DOCS_BUILD_DIR ? resolve(root, process.env.DOCS_BUILD_DIR) : undefined;
const srcDir = buildDir ? join(buildDir, 'generated') : join(root, 'generated');
const outDir = buildDir ? join(buildDir, 'dist') : join(root, '.vitepress/dist');
const cacheDir = buildDir ? join(buildDir, 'cache') : join(root, '.vitepress/cache');
const sidebar = JSON.parse(
  readFileSync(join(srcDir, 'sidebar.json'), 'utf8'),
) as DefaultTheme.SidebarItem[];
const base = '/docs/';

export default defineConfig({
  title: 'CauseFlow events',
  description: 'Real-time CauseFlow events over Server-Sent Events: catalog, contract and client.',
  base,
  srcDir,
  outDir,
  cacheDir,
  cleanUrls: false,
  lastUpdated: false,
  themeConfig: {
    nav: [
      { text: 'Getting started', link: '/getting-started' },
      { text: 'Catalog', link: '/events/' },
      { text: 'Contract', link: '/contract' },
      { text: 'Live', link: '/live' },
      {
        text: 'API',
        items: [
          { text: 'AsyncAPI 3.0 (JSON)', link: `${base}asyncapi.json`, target: '_self' },
          { text: 'OpenAPI 3.1 (JSON)', link: `${base}openapi.json`, target: '_self' },
          { text: 'About the API documents', link: '/reference/api' },
        ],
      },
    ],
    sidebar,
    search: { provider: 'local' },
    outline: [2, 3],
    footer: { message: 'Generated from schemas/ — edit the schemas, not these pages.' },
  },
});
