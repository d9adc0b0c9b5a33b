/**
 * Page renderers: schema set in, VitePress Markdown out. One function per kind of page; the
 * site module assembles them into files.
 */
import type { EventModel } from '@causeflow/codegen';
import { CONTROL_EVENT_DOCS } from './control.js';
import { envelopeRows, type FieldRow, fieldRows, payloadRows } from './fields.js';
import { code, escapeText, fence, frontMatter, table } from './markdown.js';
import { type DocsModel, domainTitle } from './model.js';
import { groupByDomain, lifecycleSteps, relatedEvents } from './related.js';
import { sseFrame } from './sse.js';

/** The example cursor shown in SSE frames (cursors are opaque; this is only an illustration). */
export const EXAMPLE_CURSOR = '1711980000000-0';

/** The example `id` shown for events in frames (the server assigns one when absent). */
export const EXAMPLE_EVENT_ID = 'evt_01HXE5G8J1K4M7N0P3Q6R9S2TV';

/** Columns of a field table; the description comes early so it is read without scrolling. */
const FIELD_HEADERS = [
  'Field',
  'Type',
  'Required',
  'Description',
  'Format',
  'Enum',
  'Pattern',
  'Constraints',
];

/** Site path of the definitions page, relative to the site root. */
const DEFINITIONS = 'reference/definitions.md';

/**
 * A field table wrapped in `<div class="cf-fields" data-scope="…" v-pre>` (v-pre: schema text is
 * never read as Vue). `root` is the relative path from the page to the site root (`../`).
 * @example fieldTable(payloadRows(schema, defs), { scope: 'data', root: '../' });
 */
export function fieldTable(
  rows: readonly FieldRow[],
  options: { readonly scope: string; readonly root: string },
): string {
  const body = rows.map((row) => [
    code(row.path),
    code(row.type) + (row.def ? ` · [${row.def}](${options.root}${DEFINITIONS}#${row.def})` : ''),
    row.required ? 'yes' : 'no',
    escapeText(row.description),
    row.format ? code(row.format) : '',
    (row.enum ?? []).map((v) => code(typeof v === 'string' ? v : JSON.stringify(v))).join(', '),
    row.pattern ? code(row.pattern) : '',
    escapeText(row.constraints.join('; ')),
  ]);
  return `<div class="cf-fields" data-scope="${options.scope}" v-pre>\n\n${table(FIELD_HEADERS, body)}\n\n</div>`;
}

function eventLink(name: string, fromRoot: string): string {
  return `[${code(name)}](${fromRoot}events/${name}.md)`;
}

function isIdentifier(key: string): boolean {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key);
}

/**
 * A TypeScript snippet that subscribes to one event with `@causeflow/client` and reads up to
 * three of its required payload fields.
 */
export function clientSnippet(event: EventModel): string {
  const data = (event.schema.properties as Record<string, { required?: unknown }> | undefined)
    ?.data;
  const required = Array.isArray(data?.required) ? data.required.map(String) : [];
  const fields = required.filter(isIdentifier).slice(0, 3);
  const use = fields.length > 0 ? fields.join(', ') : '';
  return [
    `import { openStream } from '@causeflow/client';`,
    '',
    'const stream = openStream({',
    `  url: 'http://127.0.0.1:8080',`,
    `  token: process.env.CAUSEFLOW_TOKEN ?? '', // a JWT with a tenantId claim`,
    `  events: ['${event.name}'],`,
    '});',
    '',
    `// event is typed as ${event.typeBase}Event: its data fields come from the schema.`,
    `stream.on('${event.name}', (event) => {`,
    ...(use
      ? [`  const { ${use} } = event.data;`, `  console.log(event.timestamp, ${use});`]
      : ['  console.log(event.timestamp, event.data);']),
    '});',
  ].join('\n');
}

/**
 * The frame the server writes for an example envelope: as published, plus the `id` the server
 * appends when the producer sent none.
 */
export function exampleFrame(eventName: string, example: unknown): string {
  const envelope = example as Record<string, unknown>;
  const stored = 'id' in envelope ? envelope : { ...envelope, id: EXAMPLE_EVENT_ID };
  return sseFrame({ id: EXAMPLE_CURSOR, event: eventName, data: stored });
}

function relatedSection(model: DocsModel, event: EventModel): string {
  const related = relatedEvents(event.name, model.events);
  const links = (names: readonly string[]) => names.map((n) => eventLink(n, '../')).join(', ');
  const lines: string[] = ['## Related events', ''];
  if (related.lifecycle) {
    const l = related.lifecycle;
    lines.push(
      `Step ${l.step} of ${l.steps} of the [incident lifecycle](./index.md#incident-lifecycle).`,
      '',
    );
    if (l.previous.length > 0) lines.push(`- **Before:** ${links(l.previous)}`);
    if (l.alternatives.length > 0) lines.push(`- **Instead:** ${links(l.alternatives)}`);
    if (l.next.length > 0) lines.push(`- **Next:** ${links(l.next)}`);
  }
  if (related.sameDomain.length > 0) {
    lines.push(
      `- **Same domain (${escapeText(domainTitle(model, event.domain))}):** ${links(related.sameDomain)}`,
    );
  }
  if (lines.length === 2) lines.push('No related events.');
  return lines.join('\n');
}

/**
 * The schema's version and its declared changes (`x-version`, `x-changelog`, `deprecated`), newest
 * first, so consumers see what changed and how to migrate.
 */
export function changesSection(event: EventModel): string {
  const lines = ['## Version and changes', ''];
  if (event.deprecated) {
    lines.push(
      `::: warning Deprecated\n${code(event.name)} is deprecated and will be removed; see the notes below.\n:::`,
      '',
    );
  }
  lines.push(`Schema version **${event.version}**.`, '');
  if (event.changelog.length === 0) {
    lines.push(
      `No declared changes: every change since the first version is compatible for consumers (checked by ${code('pnpm schemas:compat')}).`,
    );
    return lines.join('\n');
  }
  lines.push('| version | date | breaking | note |', '| --- | --- | --- | --- |');
  for (const entry of [...event.changelog].reverse()) {
    lines.push(
      `| ${entry.version} | ${escapeText(entry.date)} | ${entry.breaking ? 'yes' : 'no'} | ${escapeText(entry.note).replace(/\|/g, '\\|')} |`,
    );
  }
  return lines.join('\n');
}

/**
 * The page of one event: description, field tables, examples, SSE frame, client snippet,
 * related events and the raw schema.
 */
export function renderEventPage(model: DocsModel, event: EventModel): string {
  const domain = domainTitle(model, event.domain);
  const examples = event.examples.map((example, i) =>
    [`### Example ${i + 1}`, '', fence('json', JSON.stringify(example, null, 2))].join('\n'),
  );
  const first = event.examples[0];
  return [
    frontMatter({
      title: event.name,
      description: event.whenEmitted,
      // No outline column: the field tables need the width.
      aside: false,
      pageClass: 'cf-wide',
    }),
    `# ${event.name}`,
    '',
    `<Badge type="info" text="${escapeText(domain)}" /> **${escapeText(event.title)}**`,
    '',
    escapeText(event.description),
    '',
    `**When emitted:** ${escapeText(event.whenEmitted)}`,
    '',
    '## Fields',
    '',
    '### Envelope',
    '',
    fieldTable(envelopeRows(event.schema, model.defs), { scope: 'envelope', root: '../' }),
    '',
    '### Payload (`data`)',
    '',
    fieldTable(payloadRows(event.schema, model.defs), { scope: 'data', root: '../' }),
    '',
    '## Examples',
    '',
    examples.length > 0 ? examples.join('\n\n') : 'The schema has no examples.',
    '',
    '## SSE frame',
    '',
    `How the stream delivers ${code(event.name)}: ${code('id:')} is an opaque cursor (send it back as ${code('Last-Event-ID')} to resume after it), ${code('data:')} is the envelope as one line of JSON, with the ${code('id')} the server assigned.`,
    '',
    fence('text', first === undefined ? '' : exampleFrame(event.name, first)),
    '',
    '## Usage with `@causeflow/client`',
    '',
    fence('ts', clientSnippet(event)),
    '',
    relatedSection(model, event),
    '',
    changesSection(event),
    '',
    '## JSON Schema',
    '',
    `${code(event.id)} — also ${code(`components.schemas["${event.name}"]`)} in the [AsyncAPI document](../asyncapi.json){target="_self"}.`,
    '',
    '::: details Show the schema',
    fence('json', JSON.stringify(event.schema, null, 2)),
    ':::',
    '',
  ].join('\n');
}

/** The catalog: every event grouped by domain (domain titles from domains.json), plus the lifecycle. */
export function renderCatalogPage(model: DocsModel): string {
  const groups = groupByDomain(model.events, model.domains);
  const sections = groups.map((group) => {
    const domain = model.domains.find((d) => d.key === group.key);
    const heading = domain ? escapeText(domain.title) : 'Other';
    const rows = group.events.map((e) => [
      eventLink(e.name, '../'),
      escapeText(e.title),
      escapeText(e.whenEmitted),
    ]);
    return [
      `## ${heading}`,
      '',
      domain ? `${escapeText(domain.description)}\n` : '',
      table(['Event', 'Title', 'When emitted'], rows),
    ].join('\n');
  });
  const steps = lifecycleSteps(model.events.map((e) => e.name));
  const lifecycle = steps
    .map((step, i) => `${i + 1}. ${step.map((n) => eventLink(n, '../')).join(' or ')}`)
    .join('\n');
  return [
    frontMatter({ title: 'Event catalog' }),
    '# Event catalog',
    '',
    `${model.events.length} events in ${groups.length} domains, generated from ${code('schemas/')}. Every event is an [envelope](../reference/definitions.md#envelope) with ${code('event')}, ${code('timestamp')}, ${code('tenantId')}, ${code('data')} and an optional ${code('id')}.`,
    '',
    ...sections.flatMap((s) => [s, '']),
    '## Incident lifecycle',
    '',
    'The events of one incident, in the order they are published (steps may be skipped):',
    '',
    lifecycle,
    '',
  ].join('\n');
}

/** The envelope and every shared definition, each with an anchor named after the def. */
export function renderDefinitionsPage(model: DocsModel): string {
  const defs = Object.entries(model.defs).map(([name, def]) => {
    const rows = fieldRows({ type: 'object', properties: { [name]: def } }, model.defs);
    const users = model.events
      .filter((e) => JSON.stringify(e.schema).includes(`/$defs/${name}"`))
      .map((e) => eventLink(e.name, '../'));
    return [
      `## ${name} {#${name}}`,
      '',
      escapeText(typeof def.description === 'string' ? def.description : ''),
      '',
      fieldTable(rows, { scope: `def-${name}`, root: '../' }),
      '',
      users.length > 0 ? `Used by: ${users.join(', ')}` : 'Used by the envelope.',
    ].join('\n');
  });
  return [
    frontMatter({ title: 'Envelope and definitions', pageClass: 'cf-wide' }),
    '# Envelope and definitions',
    '',
    '## Envelope {#envelope}',
    '',
    escapeText(typeof model.envelope.description === 'string' ? model.envelope.description : ''),
    '',
    fieldTable(envelopeRows(model.envelope, model.defs), { scope: 'envelope', root: '../' }),
    '',
    ...defs.flatMap((d) => [d, '']),
  ].join('\n');
}

/** The control events `ping` and `stream.reset`: when they are sent, their data and frames. */
export function renderControlEventsPage(): string {
  const sections = CONTROL_EVENT_DOCS.map((c) => {
    const frame = sseFrame({ event: c.name, data: c.example });
    return [
      `## ${c.name} {#${c.key}}`,
      '',
      `**${escapeText(c.title)}.** ${escapeText(c.description)}`,
      '',
      `**When sent:** ${escapeText(c.whenSent)}`,
      '',
      fieldTable(fieldRows(c.schema, {}, 'data'), { scope: `control-${c.name}`, root: '../' }),
      '',
      fence('text', frame),
    ].join('\n');
  });
  return [
    frontMatter({ title: 'Control events', pageClass: 'cf-wide' }),
    '# Control events',
    '',
    `Sent by the server on every stream, whatever the ${code('events=')} filter; never published by producers and not part of the catalog. Their ${code('data:')} is not an envelope.`,
    '',
    ...sections.flatMap((s) => [s, '']),
  ].join('\n');
}

/** The page for the machine-readable API documents. */
export function renderApiPage(model: DocsModel): string {
  return [
    frontMatter({ title: 'API documents' }),
    '# API documents',
    '',
    'Generated from the same schemas as these pages, on every build:',
    '',
    `- [AsyncAPI 3.0](../asyncapi.json){target="_self"} — the stream: channel ${code('/v1/notifications/stream')}, one message per event (${model.events.length}) plus ${code('ping')} and ${code('stream.reset')}, payloads in ${code('components.schemas')}.`,
    `- [OpenAPI 3.1](../openapi.json){target="_self"} — the HTTP endpoints: ${code('POST /v1/events')}, ${code('POST /v1/notifications/tickets')}, ${code('GET /v1/notifications/stream')}, ${code('/healthz')}, ${code('/readyz')}, ${code('/metrics')}.`,
    '',
    'Both validate with their official parsers in the docs test suite. Use them for code generators, mock servers and API explorers.',
    '',
  ].join('\n');
}

/** The live page: the `LiveEvents` component (client-only) with every event name. */
export function renderLivePage(model: DocsModel): string {
  const names = JSON.stringify(model.events.map((e) => e.name));
  return [
    frontMatter({ title: 'Live events', aside: false }),
    '# Live events',
    '',
    `Watch events as they arrive from a stream server, through ${code('@causeflow/client')} running in this page. Start a server with ${code('pnpm start')}: in dev mode it prints a tenant token and simulates incidents for ${code('ten_demo')}. Paste the token below (or open this page with ${code('?token=…')}; it is removed from the address bar once read).`,
    '',
    `When the stream server serves this site (at ${code('/docs/')}) nothing else is needed. From ${code('pnpm docs')} (${code('http://127.0.0.1:5173/docs/')}) the server must allow that origin: ${code('CORS_ORIGINS=http://127.0.0.1:5173 pnpm start')}.`,
    '',
    '<ClientOnly>',
    `  <LiveEvents :event-names='${names}' />`,
    '</ClientOnly>',
    '',
  ].join('\n');
}
