/**
 * Page renderers: schema set in, VitePress Markdown out. One function per kind of page; the
 * site module assembles them into files.
 */
import { createHash } from 'node:crypto';
import type { EventModel } from '@causeflow/codegen';
import { CONTROL_EVENT_DOCS } from './control.js';
import { fieldList } from './fieldList.js';
import { envelopeRows, fieldRows, payloadRows } from './fields.js';
import { lifecycleHtml } from './lifecycle.js';
import { code, escapeText, fence, frontMatter } from './markdown.js';
import { type DocsModel, domainTitle } from './model.js';
import { groupByDomain, relatedEvents } from './related.js';
import {
  catchUpSnippet,
  clientSnippet,
  curlSnippet,
  eventSourceSnippet,
  pythonSnippet,
} from './snippets.js';
import { sseFrame } from './sse.js';

/** The epoch of the example cursors: the memory log writes cursors as `<epoch>-<sequence>`. */
const EXAMPLE_EPOCH = 'lufz0a8c3f9e12b7';

/**
 * A realistic, distinct example cursor per event (cursors are opaque; this is an illustration).
 * @example exampleCursor(3); // 'lufz0a8c3f9e12b7-1045'
 */
export function exampleCursor(index: number): string {
  return `${EXAMPLE_EPOCH}-${1042 + index}`;
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A distinct, stable example event id per event name (`evt_` + a ULID-shaped value derived from
 * the name), as the server assigns when the producer sends none.
 */
export function exampleEventId(name: string): string {
  const digest = createHash('sha256').update(name).digest();
  let out = '01HXE5G8';
  for (let i = 0; i < 18; i++) out += CROCKFORD[digest[i]! & 31];
  return `evt_${out}`;
}

function eventLink(name: string, fromRoot: string): string {
  return `[${code(name)}](${fromRoot}events/${name}.md)`;
}

/**
 * The frame the server writes for an example envelope: as published, plus the `id` the server
 * appends when the producer sent none. `index` picks a distinct example cursor.
 */
export function exampleFrame(eventName: string, example: unknown, index = 0): string {
  const envelope = example as Record<string, unknown>;
  const stored = 'id' in envelope ? envelope : { ...envelope, id: exampleEventId(eventName) };
  return sseFrame({ id: exampleCursor(index), event: eventName, data: stored });
}

function relatedSection(model: DocsModel, event: EventModel): string {
  const related = relatedEvents(event.name, model.events);
  const links = (names: readonly string[]) => names.map((n) => eventLink(n, '../')).join(', ');
  const lines: string[] = ['## Related events', ''];
  if (related.sameDomain.length > 0) {
    lines.push(
      `- **Same domain (${escapeText(domainTitle(model, event.domain))}):** ${links(related.sameDomain)}`,
    );
  }
  lines.push(
    `- Where it fits in an incident: the [incident lifecycle](./index.md#incident-lifecycle).`,
  );
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
      'No declared changes since the first version. See the [changelog](../changelog.md) for every event.',
    );
    return lines.join('\n');
  }
  for (const entry of [...event.changelog].reverse()) {
    const badge = entry.breaking ? ' <Badge type="danger" text="breaking" />' : '';
    lines.push(
      `- **v${entry.version}** (${escapeText(entry.date)})${badge}: ${escapeText(entry.note)}`,
    );
  }
  return lines.join('\n');
}

/** The badges of an event: domain, schema version, deprecated. */
export function eventBadges(model: DocsModel, event: EventModel): string {
  return [
    `<Badge type="info" text="${escapeText(domainTitle(model, event.domain))}" />`,
    `<Badge type="tip" text="v${event.version}" />`,
    event.deprecated ? '<Badge type="danger" text="deprecated" />' : '',
  ]
    .filter(Boolean)
    .join(' ');
}

/** The code tabs of an event page (VitePress code group). */
export function codeTabs(event: EventModel): string {
  return [
    '::: code-group',
    fence('sh [curl]', curlSnippet(event)),
    '',
    fence('js [Browser (EventSource)]', eventSourceSnippet(event)),
    '',
    fence('ts [TypeScript]', clientSnippet(event)),
    '',
    fence('ts [TypeScript (catch up)]', catchUpSnippet(event)),
    '',
    fence('python [Python]', pythonSnippet(event)),
    ':::',
  ].join('\n');
}

function actionBar(event: EventModel): string {
  const schema = `../schemas/${event.name}.json`;
  return [
    '<div class="cf-actions">',
    `<a class="cf-action" href="../live.html?events=${event.name}" data-testid="watch-live">Watch live</a>`,
    `<a class="cf-action" href="${schema}" download="${event.name}.schema.json" target="_self" data-testid="download-schema">Download JSON Schema</a>`,
    '</div>',
    '',
    `<p class="cf-schema-id"><code>$id</code> <a href="${schema}" target="_self" data-testid="schema-id">${escapeText(event.id)}</a></p>`,
  ].join('\n');
}

/**
 * The page of one event: badges, description, actions (watch live, download the schema), the
 * field lists, examples, SSE frame, code tabs, try it, related events, changes and the schema.
 */
export function renderEventPage(model: DocsModel, event: EventModel): string {
  const examples = event.examples.map((example, i) =>
    [`### Example ${i + 1}`, '', fence('json', JSON.stringify(example, null, 2))].join('\n'),
  );
  const first = event.examples[0];
  const index = model.events.findIndex((e) => e.name === event.name);
  return [
    frontMatter({
      title: event.name,
      description: event.whenEmitted,
      outline: [2, 3],
      pageClass: 'cf-event',
    }),
    `# ${event.name}`,
    '',
    `${eventBadges(model, event)} **${escapeText(event.title)}**`,
    '',
    escapeText(event.description),
    '',
    `**When emitted:** ${escapeText(event.whenEmitted)}`,
    '',
    actionBar(event),
    '',
    '## Fields',
    '',
    '### Envelope',
    '',
    fieldList(envelopeRows(event.schema, model.defs), { scope: 'envelope', root: '../' }),
    '',
    '### Payload (`data`)',
    '',
    fieldList(payloadRows(event.schema, model.defs), { scope: 'data', root: '../' }),
    '',
    '## Examples',
    '',
    examples.length > 0 ? examples.join('\n\n') : 'The schema has no examples.',
    '',
    '## SSE frame',
    '',
    `How the stream delivers ${code(event.name)}: ${code('id:')} is an opaque cursor (send it back as ${code('Last-Event-ID')} to resume after it), ${code('data:')} is the envelope as one line of JSON, with the ${code('id')} the server assigned.`,
    '',
    fence('text', first === undefined ? '' : exampleFrame(event.name, first, Math.max(0, index))),
    '',
    '## Code',
    '',
    `Receive ${code(event.name)} with ${code('curl')}, the browser's ${code('EventSource')}, ${code('@causeflow/client')} or Python. ${code('CAUSEFLOW_URL')} is your server's address, ${code('CAUSEFLOW_TOKEN')} a JWT with a ${code('tenantId')} claim (see [getting started](../getting-started.md#get-a-token)).`,
    '',
    codeTabs(event),
    '',
    '## Try it',
    '',
    `<a href="../live.html?events=${event.name}">Watch <code>${event.name}</code> live</a> on the live page. Against a server in dev mode you can also publish this event's first example:`,
    '',
    '<ClientOnly>',
    `  <SendExample event="${event.name}" />`,
    '</ClientOnly>',
    '',
    relatedSection(model, event),
    '',
    changesSection(event),
    '',
    '## JSON Schema',
    '',
    `[Download ${code(`${event.name}.json`)}](../schemas/${event.name}.json){target="_self" download} — self-contained (shared definitions included under ${code('$defs')}). Also ${code(`components.schemas["${event.name}"]`)} in the [AsyncAPI document](../reference/asyncapi.md).`,
    '',
    '::: details Show the schema as written',
    fence('json', JSON.stringify(event.schema, null, 2)),
    ':::',
    '',
  ].join('\n');
}

/** The catalog: every event grouped by domain, as a stacked list (reads on any width). */
export function renderCatalogPage(model: DocsModel): string {
  const groups = groupByDomain(model.events, model.domains);
  const sections = groups.map((group) => {
    const domain = model.domains.find((d) => d.key === group.key);
    const heading = domain ? escapeText(domain.title) : 'Other';
    const items = group.events.map(
      (e) =>
        `- ${eventLink(e.name, '../')} <Badge type="tip" text="v${e.version}" />${e.deprecated ? ' <Badge type="danger" text="deprecated" />' : ''} **${escapeText(e.title)}.** ${escapeText(e.whenEmitted)}`,
    );
    return [
      `## ${heading}`,
      '',
      domain ? `${escapeText(domain.description)}\n` : '',
      `<div class="cf-catalog" data-domain="${group.key}">\n`,
      items.join('\n'),
      '',
      '</div>',
    ].join('\n');
  });
  return [
    frontMatter({ title: 'Event catalog' }),
    '# Event catalog',
    '',
    `${model.events.length} events in ${groups.length} domains. Every event is an [envelope](../reference/definitions.md#envelope) with ${code('event')}, ${code('timestamp')}, ${code('tenantId')}, ${code('data')} and an ${code('id')}. Versions and deprecations: the [changelog](../changelog.md).`,
    '',
    ...sections.flatMap((s) => [s, '']),
    '## Incident lifecycle',
    '',
    'The events of one incident, in the order the stream sends them (the order the dev-mode simulator walks). Events of other domains may be interleaved; only the events with the same `incidentId` follow this order.',
    '',
    lifecycleHtml({ root: '../' }),
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
      fieldList(rows, { scope: `def-${name}`, root: '../', anchorPrefix: 'def.' }),
      '',
      users.length > 0 ? `Used by: ${users.join(', ')}` : 'Used by the envelope.',
    ].join('\n');
  });
  return [
    frontMatter({ title: 'Envelope and definitions', outline: [2, 2] }),
    '# Envelope and definitions',
    '',
    '## Envelope {#envelope}',
    '',
    escapeText(typeof model.envelope.description === 'string' ? model.envelope.description : ''),
    '',
    fieldList(envelopeRows(model.envelope, model.defs), {
      scope: 'envelope',
      root: '../',
      anchorPrefix: 'envelope.',
    }),
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
      fieldList(fieldRows(c.schema, {}, 'data'), {
        scope: `control-${c.name}`,
        root: '../',
        anchorPrefix: `${c.name}.`,
      }),
      '',
      fence('text', frame),
    ].join('\n');
  });
  return [
    frontMatter({ title: 'Control events' }),
    '# Control events',
    '',
    `Sent by the server on every stream, whatever the ${code('events=')} filter; never published by producers and not part of the catalog. Their ${code('data:')} is not an envelope.`,
    '',
    ...sections.flatMap((s) => [s, '']),
  ].join('\n');
}

/** The changelog: every event's version and declared changes, newest first, with badges. */
export function renderChangelogPage(model: DocsModel): string {
  const entries = model.events
    .flatMap((e) => e.changelog.map((c) => ({ event: e, entry: c })))
    .sort(
      (a, b) =>
        (a.entry.date < b.entry.date ? 1 : a.entry.date > b.entry.date ? -1 : 0) ||
        (a.event.name < b.event.name ? -1 : 1),
    );
  const changes =
    entries.length === 0
      ? ['No event has declared a change yet: every event is at its first version.']
      : entries.map(({ event, entry }) => {
          const badge = entry.breaking ? ' <Badge type="danger" text="breaking" />' : '';
          return `- **${escapeText(entry.date)}** ${eventLink(event.name, './')} <Badge type="tip" text="v${entry.version}" />${badge} ${escapeText(entry.note)}`;
        });
  const versions = model.events.map(
    (e) =>
      `- ${eventLink(e.name, './')} <Badge type="tip" text="v${e.version}" />${e.deprecated ? ' <Badge type="danger" text="deprecated" />' : ''}`,
  );
  return [
    frontMatter({ title: 'Changelog' }),
    '# Changelog',
    '',
    `Declared changes of the event schemas (their ${code('x-changelog')}), newest first. Adding an optional field is compatible and needs no action; a **breaking** change says how to migrate. A deprecated event keeps being delivered until it is removed in a later version.`,
    '',
    '## Changes',
    '',
    ...changes,
    '',
    '## Current versions',
    '',
    ...versions,
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
    `Watch events as they arrive from a stream server, through ${code('@causeflow/client')} running in this page. Paste a token with a ${code('tenantId')} claim (or open this page with ${code('?token=…')}; it is removed from the address bar once read). ${code('?events=incident.*')} narrows the stream to some events. Against a server in dev mode (${code('pnpm start')} in the repository) the page fills in the dev tenant token by itself.`,
    '',
    `When the stream server serves this site (at ${code('/docs/')}) nothing else is needed. From another origin the server must allow it in ${code('CORS_ORIGINS')}.`,
    '',
    '<ClientOnly>',
    `  <LiveEvents :event-names='${names}' />`,
    '</ClientOnly>',
    '',
  ].join('\n');
}
