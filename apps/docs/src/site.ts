/**
 * The whole generated site as a map of files (path relative to the VitePress source folder →
 * content), plus the sidebar. Pure: scripts/generate.ts writes it to disk.
 */
import { renderApiDocumentsPage, renderAsyncApiPage, renderOpenApiPage } from './apiPages.js';
import { buildAsyncApi } from './asyncapi.js';
import { bundleSchema } from './bundle.js';
import type { DocsModel } from './model.js';
import { buildOpenApi } from './openapi.js';
import {
  renderCatalogPage,
  renderChangelogPage,
  renderControlEventsPage,
  renderDefinitionsPage,
  renderEventPage,
  renderLivePage,
} from './pages.js';
import { groupByDomain } from './related.js';
import { renderWebhooksPage } from './webhooks.js';

/** A VitePress sidebar item. */
export interface SidebarItem {
  readonly text: string;
  readonly link?: string;
  readonly collapsed?: boolean;
  readonly items?: readonly SidebarItem[];
}

/** The generated site: files to write and the sidebar the VitePress config reads. */
export interface GeneratedSite {
  readonly files: ReadonlyMap<string, string>;
  readonly sidebar: readonly SidebarItem[];
}

/** The file the VitePress config reads the sidebar from, in the generated folder. */
export const SIDEBAR_FILE = 'sidebar.json';

/** The site's icon (also stops the browser's `/favicon.ico` 404). */
export const FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#3451b2"/><path d="M7 17h5l3-8 4 14 3-6h3" fill="none" stroke="#fff" stroke-width="2.5" stroke-linecap="round" stroke-linejoin="round"/></svg>\n';

/** The sidebar: guide pages, the catalog by domain, then the reference pages. */
export function buildSidebar(model: DocsModel): SidebarItem[] {
  const groups = groupByDomain(model.events, model.domains).map((g) => ({
    text: model.domains.find((d) => d.key === g.key)?.title ?? 'Other',
    collapsed: false,
    items: g.events.map((e) => ({ text: e.name, link: `/events/${e.name}` })),
  }));
  return [
    {
      text: 'Guide',
      items: [
        { text: 'Getting started', link: '/getting-started' },
        { text: 'Delivery contract', link: '/contract' },
        { text: 'Webhooks', link: '/webhooks' },
        { text: 'Live events', link: '/live' },
      ],
    },
    { text: 'Event catalog', link: '/events/', items: groups },
    {
      text: 'Reference',
      items: [
        { text: 'Envelope and definitions', link: '/reference/definitions' },
        { text: 'Control events', link: '/reference/control-events' },
        { text: 'Changelog', link: '/changelog' },
        { text: 'HTTP API (OpenAPI)', link: '/reference/openapi' },
        { text: 'Stream (AsyncAPI)', link: '/reference/asyncapi' },
        { text: 'Downloads', link: '/reference/api' },
      ],
    },
    {
      text: 'Running CauseFlow',
      items: [
        { text: 'Operating the server', link: '/operating' },
        { text: 'Contributing', link: '/contributing' },
      ],
    },
  ];
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/**
 * Renders every generated page, API document and downloadable schema. Deterministic: same
 * schemas, same bytes.
 * @example const { files } = generateSite(docsModel(await loadSchemaSet('schemas')));
 */
export function generateSite(model: DocsModel): GeneratedSite {
  const files = new Map<string, string>();
  const asyncapi = buildAsyncApi(model);
  const openapi = buildOpenApi(model);
  files.set('events/index.md', renderCatalogPage(model));
  for (const event of model.events) {
    files.set(`events/${event.name}.md`, renderEventPage(model, event));
    files.set(`public/schemas/${event.name}.json`, json(bundleSchema(event.schema, model.defs)));
  }
  files.set('reference/definitions.md', renderDefinitionsPage(model));
  files.set('reference/control-events.md', renderControlEventsPage());
  files.set('reference/api.md', renderApiDocumentsPage(model.events.length));
  files.set('reference/openapi.md', renderOpenApiPage(openapi));
  files.set('reference/asyncapi.md', renderAsyncApiPage(asyncapi));
  files.set('changelog.md', renderChangelogPage(model));
  files.set('webhooks.md', renderWebhooksPage(model));
  files.set('live.md', renderLivePage(model));
  files.set('public/asyncapi.json', json(asyncapi));
  files.set('public/openapi.json', json(openapi));
  files.set('public/favicon.svg', FAVICON_SVG);
  const sidebar = buildSidebar(model);
  files.set(SIDEBAR_FILE, json(sidebar));
  return { files, sidebar };
}
