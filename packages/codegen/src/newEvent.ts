/**
 * Scaffolding for `pnpm new-event <domain>.<action>`: checks the name and builds an event schema
 * that passes the lint as created. Pure: the CLI (newEventCli.ts) reads and writes files.
 */
import { EVENT_NAME_PATTERN } from './lint.js';
import { eventConst, type JsonSchema, type SchemaSet } from './model.js';

/** What the user asks for: the name and the optional `--domain`, `--description`, `--when`. */
export interface NewEventOptions {
  readonly name: string;
  readonly domain?: string | undefined;
  readonly description?: string | undefined;
  readonly when?: string | undefined;
}

/** A schema ready to be written, and what the user should edit in it. */
export interface NewEventPlan {
  readonly name: string;
  readonly domain: string;
  /** Path relative to the schemas folder, e.g. `events/incident.merged.json`. */
  readonly file: string;
  readonly schema: JsonSchema;
  /** The file content: 2-space JSON as Biome formats it, with a trailing newline. */
  readonly text: string;
  /** JSON pointers the user should edit, with why (placeholder text, starter payload). */
  readonly edit: readonly string[];
}

/** `planNewEvent`'s answer: a plan, or a message saying why nothing may be written. */
export type NewEventResult =
  | { readonly ok: true; readonly plan: NewEventPlan }
  | { readonly ok: false; readonly message: string };

/** Per domain, the id field the starter payload uses and the def it refers to. */
const DOMAIN_ID_FIELDS: Readonly<Record<string, { field: string; def: string; about: string }>> = {
  incident: { field: 'incidentId', def: 'IncidentId', about: 'The incident this event is about.' },
  investigation: {
    field: 'incidentId',
    def: 'IncidentId',
    about: 'The incident under investigation.',
  },
  remediation: {
    field: 'remediationId',
    def: 'RemediationId',
    about: 'The remediation this event is about.',
  },
  integration: {
    field: 'integrationId',
    def: 'IntegrationId',
    about: 'The integration this event is about.',
  },
  knowledge: { field: 'patternId', def: 'PatternId', about: 'The failure pattern concerned.' },
  user: { field: 'userId', def: 'UserId', about: 'The user this event is about.' },
};

/** Placeholder texts start with this, so they are easy to find (and grep for) before committing. */
export const TODO_MARK = 'TODO:';

const EXAMPLE_TIMESTAMP = '2024-01-01T00:00:00Z';

/** `incident.root_cause_found` → `Incident root cause found`. */
export function titleFromName(name: string): string {
  const words = name.split(/[._]/).filter(Boolean).join(' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function firstExample(set: SchemaSet, def: string): string | undefined {
  const defs = set.defs.schema.$defs as Record<string, JsonSchema> | undefined;
  const examples = defs?.[def]?.examples;
  const first = Array.isArray(examples) ? examples[0] : undefined;
  return typeof first === 'string' ? first : undefined;
}

/** Names of the events in the set (from `properties.event.const`, else the file name). */
function eventNames(set: SchemaSet): Set<string> {
  return new Set(
    set.events.flatMap(({ file, schema }) => [
      eventConst(schema) ?? '',
      file.replace(/^.*\//, '').replace(/\.json$/, ''),
    ]),
  );
}

/**
 * Checks the name and domain and builds the schema of a new event. Refuses (with a message) a
 * name that breaks `EVENT_NAME_PATTERN`, one that exists, or an unknown/uninferable domain.
 * @example
 * const result = planNewEvent({ name: 'incident.merged' }, set);
 * if (result.ok) write(result.plan.file, result.plan.text); else fail(result.message);
 */
export function planNewEvent(options: NewEventOptions, set: SchemaSet): NewEventResult {
  const name = options.name.trim();
  const checked = checkNameAndDomain(name, options.domain, set);
  if (!checked.ok) return checked;
  const { domain } = checked;
  const edit: string[] = [];
  const title = titleFromName(name);
  const description =
    options.description?.trim() ||
    `${TODO_MARK} say what "${name}" means for consumers and what they typically do with it.`;
  if (!options.description?.trim()) edit.push('/description (placeholder text)');
  const when = options.when?.trim() || `${TODO_MARK} say when "${name}" is emitted.`;
  if (!options.when?.trim()) edit.push('/x-when-emitted (placeholder text)');
  const field = starterField(domain, title, set);
  edit.push(
    `/properties/data (starter payload: "${field.key}"; add the real fields, list them in "required")`,
  );
  edit.push('/examples/0 (make it a realistic payload; it must validate)');
  const schema = starterSchema({ name, title, description, domain, when, field, set });
  return {
    ok: true,
    plan: { name, domain, file: `events/${name}.json`, schema, text: formatJson(schema), edit },
  };
}

/** The name is new and well formed, and its domain is known (given, or its prefix). */
function checkNameAndDomain(
  name: string,
  given: string | undefined,
  set: SchemaSet,
): { ok: true; domain: string } | { ok: false; message: string } {
  if (!EVENT_NAME_PATTERN.test(name)) {
    return {
      ok: false,
      message: `"${name}" is not a valid event name: use <domain>.<action> in snake case (lower-case letters, digits, single underscores), e.g. "incident.status_changed"`,
    };
  }
  if (eventNames(set).has(name)) {
    return {
      ok: false,
      message: `event "${name}" already exists (schemas/events/${name}.json); edit that file instead`,
    };
  }
  const keys = set.domains.map((d) => d.key);
  const prefix = name.slice(0, name.indexOf('.'));
  const domain = given?.trim() || (keys.includes(prefix) ? prefix : undefined);
  if (domain === undefined) {
    return {
      ok: false,
      message: `cannot infer the domain of "${name}": "${prefix}" is not a domain key; pass --domain <${keys.join('|')}>`,
    };
  }
  if (!keys.includes(domain)) {
    return {
      ok: false,
      message: `unknown domain "${domain}"; known: ${keys.join(', ')} (schemas/domains.json)`,
    };
  }
  return { ok: true, domain };
}

interface StarterField {
  readonly key: string;
  readonly schema: JsonSchema;
  readonly example: unknown;
}

/** The one data field a new event starts with: its domain's id, or a summary. */
function starterField(domain: string, title: string, set: SchemaSet): StarterField {
  const idField = DOMAIN_ID_FIELDS[domain];
  const idExample = idField && firstExample(set, idField.def);
  if (idField && idExample) {
    return {
      key: idField.field,
      schema: { $ref: `../defs.json#/$defs/${idField.def}`, description: idField.about },
      example: idExample,
    };
  }
  return {
    key: 'summary',
    schema: {
      type: 'string',
      description: 'Short human-readable summary of what happened.',
      minLength: 1,
      maxLength: 500,
    },
    example: title,
  };
}

function starterSchema(parts: {
  name: string;
  title: string;
  description: string;
  domain: string;
  when: string;
  field: StarterField;
  set: SchemaSet;
}): JsonSchema {
  const { name, field } = parts;
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `https://schemas.causeflow.dev/events/${name}.json`,
    title: parts.title,
    description: parts.description,
    'x-domain': parts.domain,
    'x-when-emitted': parts.when,
    type: 'object',
    required: ['event', 'timestamp', 'tenantId', 'data'],
    additionalProperties: false,
    properties: {
      event: { const: name, description: 'Event name.' },
      id: { $ref: '../defs.json#/$defs/EventId' },
      timestamp: { $ref: '../defs.json#/$defs/Timestamp' },
      tenantId: { $ref: '../defs.json#/$defs/TenantId' },
      data: {
        type: 'object',
        description: `Payload of "${name}".`,
        required: [field.key],
        additionalProperties: false,
        properties: { [field.key]: field.schema },
      },
    },
    examples: [
      {
        event: name,
        timestamp: EXAMPLE_TIMESTAMP,
        tenantId: firstExample(parts.set, 'TenantId') ?? 'ten_demo',
        data: { [field.key]: field.example },
      },
    ],
  };
}

/** The same set with one more event file (what the lint and codegen will see once written). */
export function withEvent(set: SchemaSet, plan: NewEventPlan): SchemaSet {
  return {
    ...set,
    events: [...set.events, { file: plan.file, schema: plan.schema }].sort((a, b) =>
      a.file < b.file ? -1 : 1,
    ),
  };
}

const LINE_WIDTH = 100;

function isPrimitive(value: unknown): boolean {
  return value === null || typeof value !== 'object';
}

/**
 * JSON with 2-space indentation laid out as Biome formats our schemas: objects expanded, arrays of
 * scalars on one line when they fit in 100 columns. Ends with a newline.
 */
export function formatJson(value: unknown): string {
  const render = (node: unknown, indent: string, used: number): string => {
    if (isPrimitive(node)) return JSON.stringify(node);
    const inner = `${indent}  `;
    if (Array.isArray(node)) {
      if (node.length === 0) return '[]';
      if (node.every(isPrimitive)) {
        const flat = `[${node.map((v) => JSON.stringify(v)).join(', ')}]`;
        if (used + flat.length + 1 <= LINE_WIDTH) return flat;
      }
      const items = node.map((v) => `${inner}${render(v, inner, inner.length)}`);
      return `[\n${items.join(',\n')}\n${indent}]`;
    }
    const entries = Object.entries(node as Record<string, unknown>);
    if (entries.length === 0) return '{}';
    const lines = entries.map(([k, v]) => {
      const key = `${inner}${JSON.stringify(k)}: `;
      return `${key}${render(v, inner, key.length)}`;
    });
    return `{\n${lines.join(',\n')}\n${indent}}`;
  };
  return `${render(value, '', 0)}\n`;
}
