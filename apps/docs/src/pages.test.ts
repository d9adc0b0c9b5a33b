import { fileURLToPath } from 'node:url';
import { loadSchemaSet } from '@causeflow/codegen';
import { describe, expect, it } from 'vitest';
import { fieldList } from './fieldList.js';
import { lifecycleHtml } from './lifecycle.js';
import { docsModel } from './model.js';
import {
  changesSection,
  exampleCursor,
  exampleEventId,
  exampleFrame,
  renderCatalogPage,
  renderChangelogPage,
  renderControlEventsPage,
  renderEventPage,
  renderLivePage,
} from './pages.js';
import { buildSidebar, generateSite } from './site.js';

const set = await loadSchemaSet(fileURLToPath(new URL('../../../schemas', import.meta.url)));
const model = docsModel(set);
const event = (name: string) => model.events.find((e) => e.name === name)!;

describe('catalog page', () => {
  const page = renderCatalogPage(model);

  it('groups the 20 events under the domain titles of domains.json, in catalog order', () => {
    const headings = [...page.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    expect(headings).toEqual([
      'Tenant',
      'User',
      'Ingestion',
      'Investigation',
      'Remediation',
      'Integration',
      'Code intelligence',
      'Incident lifecycle',
    ]);
    for (const e of model.events) expect(page).toContain(`[\`${e.name}\`](../events/${e.name}.md)`);
    expect(page).toContain('20 events in 7 domains');
  });

  it('shows the when-emitted text of every event, in its domain section', () => {
    const ingestion = page.slice(page.indexOf('## Ingestion'), page.indexOf('## Investigation'));
    expect(ingestion).toContain('A new incident is opened (automated or manual)');
    expect(ingestion).toContain('An incident moves to a new lifecycle status');
    expect(ingestion).not.toContain('tenant.created');
  });

  it('ends with the lifecycle diagram rendered from INCIDENT_LIFECYCLE, not a hand-written list', () => {
    const lifecycle = page.slice(page.indexOf('## Incident lifecycle'));
    expect(lifecycle).toContain(lifecycleHtml({ root: '../' }));
    expect(lifecycle).toContain('<a href="../events/trigger.event_received.html">');
    expect(lifecycle).not.toContain('LIFECYCLE DIAGRAM');
    expect(lifecycle).not.toMatch(/^\d+\. /m);
  });

  it('lists events as a stacked list with version badges, not a wide table', () => {
    expect(page).not.toContain('| Event |');
    expect(page).toContain(
      '- [`incident.created`](../events/incident.created.md) <Badge type="tip" text="v1" /> **Incident created.**',
    );
  });
});

describe('event page', () => {
  const page = renderEventPage(model, event('investigation.completed'));

  it('has the description, when-emitted text, field lists, examples, frame, code tabs and links', () => {
    expect(page).toContain('# investigation.completed');
    expect(page).toContain('**When emitted:** The full investigation pipeline finishes');
    expect(page).toContain('<div class="cf-fields cf-field-list" data-scope="envelope" v-pre>');
    expect(page).toContain('<div class="cf-fields cf-field-list" data-scope="data" v-pre>');
    expect(page).toContain(
      '<div class="cf-field" id="data.confidence" data-path="data.confidence" data-required="yes"',
    );
    expect(page).toContain(
      '<a class="cf-field-def" href="../reference/definitions.html#Confidence">Confidence</a>',
    );
    expect(page).toContain('"rootCause": "Unindexed query introduced in deploy d9f3a21');
    expect(page).toMatch(/id: lufz0a8c3f9e12b7-\d+\nevent: investigation.completed\ndata: \{/);
    expect(page).toContain("stream.on('investigation.completed', (event) => {");
    expect(page).toContain('::: code-group');
    for (const tab of ['[curl]', '[Browser (EventSource)]', '[TypeScript]', '[Python]']) {
      expect(page).toContain(tab);
    }
    expect(page).toContain('href="../live.html?events=investigation.completed"');
    expect(page).toContain('href="../schemas/investigation.completed.json" download=');
    expect(page).toContain('<SendExample event="investigation.completed" />');
    expect(page).toContain('- **Same domain (Investigation):**');
  });

  it('gives every event a distinct example cursor and event id', () => {
    const frames = model.events.map((e, i) => exampleFrame(e.name, e.examples[0], i));
    const cursors = frames.map((f) => /^id: (.+)$/m.exec(f)![1]);
    const ids = model.events.map((e) => exampleEventId(e.name));
    expect(new Set(cursors).size).toBe(model.events.length);
    expect(new Set(ids).size).toBe(model.events.length);
    for (const id of ids) expect(id).toMatch(/^evt_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(exampleCursor(0)).toMatch(/^[a-z0-9]+-\d+$/);
  });

  it('shows the exact SSE frame, with the id the server assigns added to the envelope', () => {
    const example = event('incident.created').examples[0];
    const frame = exampleFrame('incident.created', example);
    const [id, name, data, blank, end] = frame.split('\n');
    expect([id, name, blank, end]).toEqual([
      `id: ${exampleCursor(0)}`,
      'event: incident.created',
      '',
      '',
    ]);
    const payload = JSON.parse(data!.replace(/^data: /, ''));
    expect(Object.keys(payload)).toEqual(['event', 'timestamp', 'tenantId', 'data', 'id']);
    expect(payload).toMatchObject(example as object);
    const withId = { ...(example as object), id: 'evt_OWN' };
    expect(exampleFrame('incident.created', withId)).toContain('"id":"evt_OWN"');
  });

  it('never lets schema text reach Vue or HTML unescaped', () => {
    const list = fieldList(
      [{ path: 'a', type: 'string', required: true, constraints: [], description: '<b>{{x}}</b>' }],
      { scope: 'data', root: '../' },
    );
    expect(list).toContain('v-pre');
    expect(list).toContain('&lt;b&gt;{{x}}&lt;/b&gt;');
    expect(list).not.toContain('<b>');
  });
});

describe('other pages', () => {
  it('documents ping and stream.reset with their frames, which carry no id', () => {
    const page = renderControlEventsPage();
    expect(page).toContain('## ping {#Ping}');
    expect(page).toContain('## stream.reset {#StreamReset}');
    expect(page).toContain('event: ping\ndata: {"timestamp":');
    expect(page).toContain('id="stream.reset.data.reason"');
    expect(page).not.toMatch(/^id: /m);
  });

  it('hands every event name to the live viewer', () => {
    const page = renderLivePage(model);
    const names = JSON.parse(/:event-names='([^']+)'/.exec(page)![1]!);
    expect(names).toEqual(model.events.map((e) => e.name));
    expect(page).toContain('<ClientOnly>');
  });

  it('generates one page per event, the references, both API documents and the sidebar', () => {
    const { files, sidebar } = generateSite(model);
    expect([...files.keys()].filter((f) => /^events\/[a-z_]+\.[a-z_]+\.md$/.test(f))).toHaveLength(
      20,
    );
    for (const f of [
      'events/index.md',
      'reference/definitions.md',
      'reference/control-events.md',
      'reference/api.md',
      'reference/openapi.md',
      'reference/asyncapi.md',
      'changelog.md',
      'webhooks.md',
      'public/favicon.svg',
      'public/schemas/incident.created.json',
      'live.md',
      'public/asyncapi.json',
      'public/openapi.json',
      'sidebar.json',
    ]) {
      expect(files.has(f), f).toBe(true);
    }
    expect(JSON.parse(files.get('sidebar.json')!)).toEqual(sidebar);
    expect(sidebar).toEqual(buildSidebar(model));
    const catalog = sidebar.find((s) => s.text === 'Event catalog')!;
    expect(catalog.items?.map((i) => i.text)).toEqual(model.domains.map((d) => d.title));
  });

  it('is deterministic: the same schemas give the same bytes', () => {
    const a = generateSite(docsModel(set));
    const b = generateSite(docsModel(set));
    expect([...a.files]).toEqual([...b.files]);
  });

  it('links every def on the definitions page to an anchor named after it', () => {
    const page = generateSite(model).files.get('reference/definitions.md')!;
    for (const name of Object.keys(model.defs)) expect(page).toContain(`## ${name} {#${name}}`);
    expect(page).toContain('## Envelope {#envelope}');
  });
});

describe('version and changes section', () => {
  const base = model.events[0]!;

  it('says version 1 with no declared changes for an unchanged schema', () => {
    const text = changesSection({ ...base, version: 1, changelog: [], deprecated: false });
    expect(text).toContain('Schema version **1**.');
    expect(text).toContain('No declared changes');
  });

  it('lists declared changes newest first with the breaking flag and note', () => {
    const text = changesSection({
      ...base,
      version: 3,
      deprecated: true,
      changelog: [
        { version: 2, date: '2026-01-01', breaking: false, note: 'added a | pipe' },
        { version: 3, date: '2026-02-01', breaking: true, note: 'renamed title to summary' },
      ],
    });
    expect(text).toContain('Deprecated');
    const v3 = text.indexOf(
      '- **v3** (2026-02-01) <Badge type="danger" text="breaking" />: renamed title to summary',
    );
    const v2 = text.indexOf('- **v2** (2026-01-01): added a | pipe');
    expect(v3).toBeGreaterThan(-1);
    expect(v2).toBeGreaterThan(v3);
  });
});

describe('changelog page', () => {
  it('lists declared changes newest first with version and breaking badges, and every version', () => {
    const changed = model.events.map((e, i) =>
      i === 0
        ? {
            ...e,
            version: 2,
            deprecated: true,
            changelog: [{ version: 2, date: '2026-03-01', breaking: true, note: 'renamed x' }],
          }
        : i === 1
          ? {
              ...e,
              changelog: [{ version: 1, date: '2026-01-01', breaking: false, note: 'added y' }],
            }
          : e,
    );
    const page = renderChangelogPage({ ...model, events: changed });
    const first = changed[0]!.name;
    const newer = page.indexOf(`- **2026-03-01** [\`${first}\`]`);
    const older = page.indexOf('- **2026-01-01**');
    expect(newer).toBeGreaterThan(-1);
    expect(older).toBeGreaterThan(newer);
    expect(page).toContain(
      '<Badge type="tip" text="v2" /> <Badge type="danger" text="breaking" /> renamed x',
    );
    expect(page).toContain(
      `- [\`${first}\`](./events/${first}.md) <Badge type="tip" text="v2" /> <Badge type="danger" text="deprecated" />`,
    );
  });

  it('says so when no event has declared a change', () => {
    const page = renderChangelogPage({
      ...model,
      events: model.events.map((e) => ({ ...e, changelog: [] })),
    });
    expect(page).toContain('No event has declared a change yet');
  });
});
