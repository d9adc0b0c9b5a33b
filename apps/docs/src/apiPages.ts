/**
 * Readable views of the two API documents, rendered from the documents themselves (not from the
 * schemas again), so what a reader sees is what a code generator gets: one section per operation
 * (parameters, request body, responses) for OpenAPI, and the channel with its messages for AsyncAPI.
 */
import type { JsonSchema } from '@causeflow/codegen';
import { code, escapeText, fence, frontMatter } from './markdown.js';

// biome-ignore lint/suspicious/noExplicitAny: walking a generated JSON document
type Doc = Record<string, any>;

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

function schemaName(schema: Doc | undefined): string {
  if (!schema) return '';
  if (typeof schema.$ref === 'string') return schema.$ref.split('/').pop() ?? '';
  if (Array.isArray(schema.oneOf)) return schema.oneOf.map(schemaName).join(' | ');
  if (schema.type === 'array') return `${schemaName(schema.items)}[]`;
  return typeof schema.type === 'string' ? schema.type : 'object';
}

function slug(method: string, path: string): string {
  return `${method}-${path}`
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .toLowerCase();
}

function operationSection(path: string, method: string, op: Doc): string {
  const lines = [
    `## ${method.toUpperCase()} ${escapeText(path)} {#${slug(method, path)}}`,
    '',
    `**${escapeText(op.summary ?? '')}**`,
    '',
    escapeText(op.description ?? ''),
    '',
  ];
  const security = (op.security ?? []) as Doc[];
  const schemes = security.flatMap((s) => Object.keys(s));
  lines.push(
    `- **Auth:** ${schemes.length > 0 ? schemes.map((s) => code(s)).join(' or ') : 'none'}`,
  );
  for (const p of (op.parameters ?? []) as Doc[]) {
    lines.push(
      `- **${p.in} ${code(p.name)}**${p.required ? ' (required)' : ''} ${code(schemaName(p.schema))}: ${escapeText(p.description ?? '')}`,
    );
  }
  const body = op.requestBody?.content?.['application/json']?.schema as Doc | undefined;
  if (body) lines.push(`- **Body:** ${code(schemaName(body))} (JSON)`);
  lines.push('', '**Responses**', '');
  for (const [status, res] of Object.entries((op.responses ?? {}) as Record<string, Doc>)) {
    const content = res.content as Doc | undefined;
    const type = content ? Object.keys(content)[0] : undefined;
    const schema = type ? schemaName(content?.[type]?.schema) : '';
    lines.push(
      `- ${code(status)}${schema ? ` ${code(schema)}` : ''}: ${escapeText(res.description ?? '')}`,
    );
  }
  return lines.join('\n');
}

/** The readable OpenAPI reference page. */
export function renderOpenApiPage(doc: JsonSchema): string {
  const d = doc as Doc;
  const sections: string[] = [];
  for (const [path, item] of Object.entries(d.paths as Record<string, Doc>)) {
    for (const method of METHODS) {
      if (item[method]) sections.push(operationSection(path, method, item[method]));
    }
  }
  const webhooks = Object.keys((d.webhooks ?? {}) as Doc);
  const server = d.servers?.[0] as Doc | undefined;
  return [
    frontMatter({ title: 'HTTP API (OpenAPI)', outline: [2, 2] }),
    '# HTTP API (OpenAPI 3.1)',
    '',
    `${escapeText(d.info.description ?? '')}`,
    '',
    `Download: [openapi.json](../openapi.json){target="_self" download}. Server: ${code(server?.url ?? '')} — ${escapeText(
      Object.entries((server?.variables ?? {}) as Record<string, Doc>)
        .map(([k, v]) => `{${k}} defaults to ${v.default}`)
        .join(', '),
    )}.`,
    '',
    ...sections.flatMap((s) => [s, '']),
    '## Webhooks {#webhooks}',
    '',
    `The document's ${code('webhooks')} section has one entry per event type (${webhooks.length}): the ${code('POST')} your endpoint receives. See [Webhooks](../webhooks.md).`,
    '',
  ].join('\n');
}

/** The readable AsyncAPI reference page. */
export function renderAsyncApiPage(doc: JsonSchema): string {
  const d = doc as Doc;
  const channels = Object.values(d.channels as Record<string, Doc>);
  const messages = d.components.messages as Record<string, Doc>;
  const server = Object.values(d.servers as Record<string, Doc>)[0];
  const lines = [
    frontMatter({ title: 'Stream (AsyncAPI)', outline: [2, 2] }),
    '# Stream (AsyncAPI 3.0)',
    '',
    escapeText(d.info.description ?? ''),
    '',
    `Download: [asyncapi.json](../asyncapi.json){target="_self" download}. Server: ${code(`${server?.protocol}://${server?.host}${server?.pathname ?? ''}`)}.`,
    '',
  ];
  for (const channel of channels) {
    lines.push(
      `## Channel ${code(channel.address)}`,
      '',
      escapeText(channel.description ?? ''),
      '',
      '**Messages**',
      '',
    );
    for (const key of Object.keys(channel.messages as Doc)) {
      const m = messages[key]!;
      const link =
        m.tags?.[0]?.name === 'control'
          ? `./control-events.md#${m.payload.$ref.split('/').pop()}`
          : `../events/${key}.md`;
      lines.push(`- [${code(key)}](${link}) — ${escapeText(m.summary ?? '')}`);
    }
    lines.push('');
  }
  lines.push(
    '## Example frame',
    '',
    fence('text', 'id: <cursor>\nevent: <event name>\ndata: <envelope JSON>\n'),
    '',
  );
  return lines.join('\n');
}

/** The page that lists the machine-readable documents and downloads. */
export function renderApiDocumentsPage(eventCount: number): string {
  return [
    frontMatter({ title: 'API documents and downloads' }),
    '# API documents and downloads',
    '',
    'Generated from the same schemas as these pages, on every build, and validated by their official parsers and linters in the docs test suite. Use them for code generators, mock servers and API explorers.',
    '',
    `- **AsyncAPI 3.0** — the stream: [read it](./asyncapi.md) · [download asyncapi.json](../asyncapi.json){target="_self" download}. One message per event (${eventCount}) plus ${code('ping')} and ${code('stream.reset')}.`,
    `- **OpenAPI 3.1** — the HTTP endpoints and the webhooks: [read it](./openapi.md) · [download openapi.json](../openapi.json){target="_self" download}.`,
    `- **JSON Schema per event** — self-contained (shared definitions under ${code('$defs')}): ${code('schemas/<event>.json')} under this site, e.g. [incident.created.json](../schemas/incident.created.json){target="_self" download}; every event page has a download button.`,
    '',
  ].join('\n');
}
