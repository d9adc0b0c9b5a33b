import { addSchemaSet, createAjv } from './ajv.js';
import { eventConst, type JsonSchema, type SchemaFile, type SchemaSet } from './model.js';

/** One problem in one schema file, located by a JSON pointer into that file. */
export interface LintProblem {
  readonly file: string;
  readonly pointer: string;
  readonly message: string;
}

/** Event names are `<domain>.<action>`, both parts snake case. */
export const EVENT_NAME_PATTERN = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*\.[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;

const ENVELOPE_REQUIRED = ['event', 'timestamp', 'tenantId', 'data'];

/** Renders a problem as `file#/pointer: message`, the form the CLI prints. */
export function formatProblem(problem: LintProblem): string {
  return `schemas/${problem.file}#${problem.pointer}: ${problem.message}`;
}

function isObject(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmptyString(value: unknown): boolean {
  return typeof value === 'string' && value.trim().length > 0;
}

function lintStructure(event: SchemaFile, domains: ReadonlySet<string>): LintProblem[] {
  const { file, schema } = event;
  const problems: LintProblem[] = [];
  const at = (pointer: string, message: string) => problems.push({ file, pointer, message });
  const base = file.replace(/^.*\//, '').replace(/\.json$/, '');
  const name = eventConst(schema);

  if (name === undefined) {
    at('/properties/event/const', 'missing: every event schema declares its name as properties.event.const');
  } else {
    if (name !== base) at('/properties/event/const', `event name "${name}" does not match the file name "${base}.json"`);
    if (!EVENT_NAME_PATTERN.test(name)) {
      at('/properties/event/const', `event name "${name}" must be <domain>.<action> in snake case, e.g. "incident.status_changed"`);
    }
  }
  if (!EVENT_NAME_PATTERN.test(base)) {
    at('', `file name "${base}.json" must be <domain>.<action>.json in snake case`);
  }
  if (typeof schema.$id !== 'string' || !schema.$id.endsWith(`/events/${base}.json`)) {
    at('/$id', `$id must end with "/events/${base}.json"`);
  }
  if (!nonEmptyString(schema.title)) at('/title', 'missing: a short human title, e.g. "Incident created"');
  if (!nonEmptyString(schema.description)) at('/description', 'missing: describe what the event means for consumers');
  const domain = schema['x-domain'];
  if (!nonEmptyString(domain)) {
    at('/x-domain', `missing: one of ${[...domains].join(', ')}`);
  } else if (!domains.has(domain as string)) {
    at('/x-domain', `unknown domain "${String(domain)}"; known: ${[...domains].join(', ')} (schemas/domains.json)`);
  }
  if (!nonEmptyString(schema['x-when-emitted'])) {
    at('/x-when-emitted', 'missing: say when the event is emitted, e.g. "A new incident is opened"');
  }
  if (schema.additionalProperties !== false) at('/additionalProperties', 'the envelope must set additionalProperties: false');
  const required = Array.isArray(schema.required) ? schema.required : [];
  for (const key of ENVELOPE_REQUIRED) {
    if (!required.includes(key)) at('/required', `the envelope must require "${key}"`);
  }
  const data = isObject(schema.properties) ? schema.properties.data : undefined;
  if (!isObject(data)) {
    at('/properties/data', 'missing: the event payload schema');
  } else {
    if (data.type !== 'object') at('/properties/data/type', 'data must be "type": "object"');
    if (data.additionalProperties !== false) {
      at('/properties/data/additionalProperties', 'data must set additionalProperties: false (strict payloads)');
    }
    if (!Array.isArray(data.required) || data.required.length === 0) {
      at('/properties/data/required', 'data must list its required fields');
    }
  }
  if (!Array.isArray(schema.examples) || schema.examples.length === 0) {
    at('/examples', 'missing: at least one example envelope');
  }
  return problems;
}

/**
 * Checks every schema of the set and returns one precise problem per defect:
 * naming, required metadata, strict payloads, ajv strict mode, and that every example validates.
 * An empty list means the set is good to generate from.
 */
export function lintSchemaSet(set: SchemaSet): LintProblem[] {
  const problems: LintProblem[] = [];
  const domains = new Set(set.domains.map((d) => d.key));
  const seen = new Map<string, string>();
  for (const event of set.events) {
    problems.push(...lintStructure(event, domains));
    const name = eventConst(event.schema);
    if (name !== undefined) {
      const other = seen.get(name);
      if (other) problems.push({ file: event.file, pointer: '/properties/event/const', message: `event "${name}" is also declared by ${other}` });
      seen.set(name, event.file);
    }
  }

  // ajv strict mode: unknown keywords, ambiguous types, unresolvable $refs …
  const warnings: string[] = [];
  const ajv = createAjv({ logger: { log: () => {}, warn: (m: unknown) => warnings.push(String(m)), error: (m: unknown) => warnings.push(String(m)) } });
  try {
    addSchemaSet(ajv, set);
  } catch (error) {
    problems.push({ file: set.defs.file, pointer: '', message: `cannot load schema set: ${(error as Error).message}` });
    return problems;
  }
  for (const file of [set.defs, set.envelope]) {
    try {
      ajv.getSchema(String(file.schema.$id));
    } catch (error) {
      problems.push({ file: file.file, pointer: '', message: `ajv strict mode: ${(error as Error).message}` });
    }
  }
  for (const event of set.events) {
    const start = warnings.length;
    let validate: ReturnType<typeof ajv.getSchema>;
    try {
      validate = ajv.getSchema(String(event.schema.$id));
    } catch (error) {
      problems.push({ file: event.file, pointer: '', message: `ajv strict mode: ${(error as Error).message}` });
      continue;
    }
    for (const warning of warnings.slice(start)) {
      problems.push({ file: event.file, pointer: '', message: `ajv strict mode: ${warning}` });
    }
    if (!validate) {
      problems.push({ file: event.file, pointer: '/$id', message: 'schema could not be compiled (missing or duplicate $id)' });
      continue;
    }
    const examples = Array.isArray(event.schema.examples) ? event.schema.examples : [];
    examples.forEach((example, index) => {
      if (validate(example)) return;
      for (const error of validate.errors ?? []) {
        const where = error.instancePath || '(root)';
        const extra = error.keyword === 'additionalProperties' ? ` "${String(error.params.additionalProperty)}"` : '';
        problems.push({
          file: event.file,
          pointer: `/examples/${index}${error.instancePath}`,
          message: `example ${index} is invalid at ${where}: ${error.message}${extra}`,
        });
      }
    });
  }
  return problems;
}
