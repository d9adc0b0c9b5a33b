/**
 * The whole generated site as a map of files (path relative to the VitePress source folder →
 * content), plus the sidebar. Pure: scripts/generate.ts writes it to disk.
 */
import { buildAsyncApi } from './asyncapi.js';
import type { DocsModel } from './model.js';
import { buildOpenApi } from './openapi.js';
import {
  renderApiPage,
  renderCatalogPage,
  renderControlEventsPage,
  renderDefinitionsPage,
  renderEventPage,
  renderLivePage,
} from './pages.js';
import { groupByDomain } from './related.js';

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
        { text: 'Live events', link: '/live' },
      ],
    },
    { text: 'Event catalog', link: '/events/', items: groups },
    {
      text: 'Reference',
      items: [
        { text: 'Envelope and definitions', link: '/reference/definitions' },
        { text: 'Control events', link: '/reference/control-events' },
        { text: 'AsyncAPI and OpenAPI', link: '/reference/api' },
      ],
    },
  ];
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/**
 * Renders every generated page and API document. Deterministic: same schemas, same bytes.
 * @example const { files } = generateSite(docsModel(await loadSchemaSet('schemas')));
 */
export function generateSite(model: DocsModel): GeneratedSite {
  const files = new Map<string, string>();
  files.set('events/index.md', renderCatalogPage(model));
  for (const event of model.events)
    files.set(`events/${event.name}.md`, renderEventPage(model, event));
  files.set('reference/definitions.md', renderDefinitionsPage(model));
  files.set('reference/control-events.md', renderControlEventsPage());
  files.set('reference/api.md', renderApiPage(model));
  files.set('live.md', renderLivePage(model));
  files.set('public/asyncapi.json', json(buildAsyncApi(model)));
  files.set('public/openapi.json', json(buildOpenApi(model)));
  const sidebar = buildSidebar(model);
  files.set(SIDEBAR_FILE, json(sidebar));
  return { files, sidebar };
}
