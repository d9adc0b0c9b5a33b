import { fileURLToPath } from 'node:url';
import { loadSchemaSet } from '@causeflow/codegen';
import { describe, expect, it } from 'vitest';
import { docsModel } from './model.js';
import {
  changesSection,
  clientSnippet,
  EXAMPLE_CURSOR,
  exampleFrame,
  fieldTable,
  renderCatalogPage,
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

  it('lists the incident lifecycle in order, approved or rejected in one step', () => {
    const lifecycle = page.slice(page.indexOf('## Incident lifecycle'));
    const order = [...lifecycle.matchAll(/\[`([a-z_.]+)`\]/g)].map((m) => m[1]);
    expect(order).toEqual([
      'incident.created',
      'investigation.progress',
      'investigation.known_solution_found',
      'investigation.completed',
      'remediation.proposed',
      'remediation.approved',
      'remediation.rejected',
      'remediation.executed',
      'incident.status_changed',
      'knowledge.pattern_extracted',
    ]);
    expect(lifecycle).toContain(
      '6. [`remediation.approved`](../events/remediation.approved.md) or',
    );
  });
});

describe('event page', () => {
  const page = renderEventPage(model, event('investigation.completed'));

  it('has the description, when-emitted text, field tables, examples, frame, snippet and links', () => {
    expect(page).toContain('# investigation.completed');
    expect(page).toContain('**When emitted:** The full investigation pipeline finishes');
    expect(page).toContain('<div class="cf-fields" data-scope="envelope" v-pre>');
    expect(page).toContain('<div class="cf-fields" data-scope="data" v-pre>');
    expect(page).toContain(
      '| `data.confidence` | `number` · [Confidence](../reference/definitions.md#Confidence) | yes |',
    );
    expect(page).toContain('"rootCause": "Unindexed query introduced in deploy d9f3a21');
    expect(page).toContain(`id: ${EXAMPLE_CURSOR}\nevent: investigation.completed\ndata: {`);
    expect(page).toContain("stream.on('investigation.completed', (event) => {");
    expect(page).toContain('- **Before:** [`investigation.known_solution_found`]');
    expect(page).toContain('- **Next:** [`remediation.proposed`]');
    expect(page).toContain('- **Same domain (Investigation):**');
  });

  it('shows the exact SSE frame, with the id the server assigns added to the envelope', () => {
    const example = event('incident.created').examples[0];
    const frame = exampleFrame('incident.created', example);
    const [id, name, data, blank, end] = frame.split('\n');
    expect([id, name, blank, end]).toEqual([
      `id: ${EXAMPLE_CURSOR}`,
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

  it('writes a client snippet that reads required payload fields by name', () => {
    const snippet = clientSnippet(event('remediation.approved'));
    expect(snippet).toContain("import { openStream } from '@causeflow/client';");
    expect(snippet).toContain("events: ['remediation.approved'],");
    expect(snippet).toContain('const { remediationId, approvedBy, incidentId } = event.data;');
    expect(snippet).toContain('RemediationApprovedEvent');
  });

  it('never lets schema text reach Vue or HTML unescaped', () => {
    const table = fieldTable(
      [{ path: 'a', type: 'string', required: true, constraints: [], description: '<b>{{x}}</b>' }],
      { scope: 'data', root: '../' },
    );
    expect(table).toContain('v-pre');
    expect(table).toContain('&lt;b&gt;&#123;&#123;x&#125;&#125;&lt;/b&gt;');
  });
});

describe('other pages', () => {
  it('documents ping and stream.reset with their frames, which carry no id', () => {
    const page = renderControlEventsPage();
    expect(page).toContain('## ping {#Ping}');
    expect(page).toContain('## stream.reset {#StreamReset}');
    expect(page).toContain('event: ping\ndata: {"timestamp":');
    expect(page).toContain('`data.reason`');
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
    const v3 = text.indexOf('| 3 | 2026-02-01 | yes | renamed title to summary |');
    const v2 = text.indexOf('| 2 | 2026-01-01 | no | added a \\| pipe |');
    expect(v3).toBeGreaterThan(-1);
    expect(v2).toBeGreaterThan(v3);
  });
});
