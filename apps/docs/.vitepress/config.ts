/**
 * VitePress config. Pages come from generated/ (written by scripts/generate.ts from schemas/);
 * the site is built into .vitepress/dist and served under /docs/ by the stream server.
 * DOCS_BUILD_DIR (tests) moves all three folders: <dir>/generated, <dir>/dist, <dir>/cache.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DefaultTheme, defineConfig } from 'vitepress';
import { tableLabels } from '../src/tableLabels.js';
import { splitIntoSections } from './search.js';

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
  // Body cells carry their column header, so narrow screens can stack rows (theme/custom.css).
  markdown: { config: (md) => md.use(tableLabels) },
  head: [['link', { rel: 'icon', type: 'image/svg+xml', href: `${base}favicon.svg` }]],
  themeConfig: {
    nav: [
      { text: 'Getting started', link: '/getting-started' },
      { text: 'Catalog', link: '/events/' },
      { text: 'Contract', link: '/contract' },
      { text: 'Live', link: '/live' },
      {
        text: 'API',
        items: [
          { text: 'HTTP API (OpenAPI)', link: '/reference/openapi' },
          { text: 'Stream (AsyncAPI)', link: '/reference/asyncapi' },
          { text: 'Webhooks', link: '/webhooks' },
          { text: 'Changelog', link: '/changelog' },
          { text: 'Downloads', link: '/reference/api' },
        ],
      },
    ],
    sidebar,
    search: {
      provider: 'local',
      options: {
        miniSearch: {
          // An exact name in a title (event page, field path) ranks first; prefixes and typos after.
          searchOptions: { boost: { title: 8, text: 1, titles: 2 }, fuzzy: 0.15, prefix: true },
          _splitIntoSections: (_file: string, html: string) => splitIntoSections(html),
        },
      },
    },
    outline: [2, 3],
    footer: { message: 'CauseFlow events — generated from the event schemas.' },
  },
});
