import { createAjv } from './ajv.js';
import { lintVersioning } from './compat.js';
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

/** The envelope rules shared by envelope.json and every event: closed, the four fields required. */
function lintEnvelope({ file, schema }: SchemaFile): LintProblem[] {
  const problems: LintProblem[] = [];
  if (schema.additionalProperties !== false) {
    problems.push({
      file,
      pointer: '/additionalProperties',
      message: 'the envelope must set additionalProperties: false',
    });
  }
  const required = Array.isArray(schema.required) ? schema.required : [];
  for (const key of ENVELOPE_REQUIRED) {
    if (!required.includes(key)) {
      problems.push({ file, pointer: '/required', message: `the envelope must require "${key}"` });
    }
  }
  return problems;
}

function lintStructure(event: SchemaFile, domains: ReadonlySet<string>): LintProblem[] {
  const { file, schema } = event;
  const problems: LintProblem[] = [];
  const at = (pointer: string, message: string) => problems.push({ file, pointer, message });
  const base = file.replace(/^.*\//, '').replace(/\.json$/, '');
  const name = eventConst(schema);

  if (name === undefined) {
    at(
      '/properties/event/const',
      'missing: every event schema declares its name as properties.event.const',
    );
  } else {
    if (name !== base)
      at(
        '/properties/event/const',
        `event name "${name}" does not match the file name "${base}.json"`,
      );
    if (!EVENT_NAME_PATTERN.test(name)) {
      at(
        '/properties/event/const',
        `event name "${name}" must be <domain>.<action> in snake case, e.g. "incident.status_changed"`,
      );
    }
  }
  if (!EVENT_NAME_PATTERN.test(base)) {
    at('', `file name "${base}.json" must be <domain>.<action>.json in snake case`);
  }
  if (typeof schema.$id !== 'string' || !schema.$id.endsWith(`/events/${base}.json`)) {
    at('/$id', `$id must end with "/events/${base}.json"`);
  }
  if (!nonEmptyString(schema.title))
    at('/title', 'missing: a short human title, e.g. "Incident created"');
  if (!nonEmptyString(schema.description))
    at('/description', 'missing: describe what the event means for consumers');
  const domain = schema['x-domain'];
  if (!nonEmptyString(domain)) {
    at('/x-domain', `missing: one of ${[...domains].join(', ')}`);
  } else if (!domains.has(domain as string)) {
    at(
      '/x-domain',
      `unknown domain "${String(domain)}"; known: ${[...domains].join(', ')} (schemas/domains.json)`,
    );
  }
  if (!nonEmptyString(schema['x-when-emitted'])) {
    at(
      '/x-when-emitted',
      'missing: say when the event is emitted, e.g. "A new incident is opened"',
    );
  }
  problems.push(...lintEnvelope(event));
  const data = isObject(schema.properties) ? schema.properties.data : undefined;
  if (!isObject(data)) {
    at('/properties/data', 'missing: the event payload schema');
  } else {
    if (data.type !== 'object') at('/properties/data/type', 'data must be "type": "object"');
    if (data.additionalProperties !== false) {
      at(
        '/properties/data/additionalProperties',
        'data must set additionalProperties: false (strict payloads)',
      );
    }
    if (!Array.isArray(data.required) || data.required.length === 0) {
      at('/properties/data/required', 'data must list its required fields');
    }
  }
  if (!Array.isArray(schema.examples) || schema.examples.length === 0) {
    at('/examples', 'missing: at least one example envelope');
  }
  for (const problem of lintVersioning(schema)) at(problem.pointer, problem.message);
  return problems;
}

/** Keywords under which a failing `additionalProperties` would surface as another keyword. */
const CONDITIONAL = new Set(['anyOf', 'oneOf', 'not', 'if', 'then', 'else', 'contains']);
/** Keywords that constrain property names other than through `additionalProperties: false`. */
const NAME_CONSTRAINTS = [
  'propertyNames',
  'patternProperties',
  'unevaluatedProperties',
  'maxProperties',
];

/**
 * Tolerant readers (`validateEvent(v, { mode: 'tolerant' })`) accept an event whose only errors
 * are `additionalProperties`. That is exact only when an unknown property can fail nothing else:
 * no closed object under a conditional keyword, no other constraint on property names.
 */
export function lintTolerance({ file, schema }: SchemaFile): LintProblem[] {
  const problems: LintProblem[] = [];
  const walk = (node: unknown, pointer: string, conditional: boolean): void => {
    if (Array.isArray(node)) {
      for (const [i, item] of node.entries()) walk(item, `${pointer}/${i}`, conditional);
      return;
    }
    if (!isObject(node)) return;
    const closed = node.additionalProperties;
    if (closed === false && conditional) {
      problems.push({
        file,
        pointer: `${pointer}/additionalProperties`,
        message:
          'a closed object under anyOf/oneOf/not/if/then/else/contains makes tolerant readers reject unknown properties; close the object outside the condition',
      });
    }
    if (isObject(closed)) {
      problems.push({
        file,
        pointer: `${pointer}/additionalProperties`,
        message:
          'additionalProperties must be false or absent (a schema here breaks tolerant readers)',
      });
    }
    for (const key of NAME_CONSTRAINTS.filter((k) => k in node)) {
      problems.push({
        file,
        pointer: `${pointer}/${key}`,
        message: `"${key}" constrains unknown properties and breaks tolerant readers; use additionalProperties: false`,
      });
    }
    for (const [key, value] of Object.entries(node)) {
      if (key === 'examples' || key === 'enum' || key === 'const' || key.startsWith('x-')) continue;
      walk(
        value,
        `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`,
        conditional || CONDITIONAL.has(key),
      );
    }
  };
  walk(schema, '', false);
  return problems;
}

/** Structure and naming of every event, and event names declared twice. */
function lintEvents(set: SchemaSet): LintProblem[] {
  const problems: LintProblem[] = [];
  const domains = new Set(set.domains.map((d) => d.key));
  const seen = new Map<string, string>();
  for (const event of set.events) {
    problems.push(...lintStructure(event, domains));
    const name = eventConst(event.schema);
    if (name === undefined) continue;
    const other = seen.get(name);
    if (other)
      problems.push({
        file: event.file,
        pointer: '/properties/event/const',
        message: `event "${name}" is also declared by ${other}`,
      });
    seen.set(name, event.file);
  }
  return problems;
}

type StrictAjv = ReturnType<typeof createAjv>;

/** Adds the files one by one, so a duplicate or missing $id is blamed on its own file. */
function loadFiles(ajv: StrictAjv, set: SchemaSet, problems: LintProblem[]): Set<SchemaFile> {
  const loaded = new Set<SchemaFile>();
  const ids = new Map<unknown, string>();
  for (const file of [set.defs, set.envelope, ...set.events]) {
    const other = ids.get(file.schema.$id);
    if (other !== undefined) {
      problems.push({
        file: file.file,
        pointer: '/$id',
        message: `$id "${String(file.schema.$id)}" is also used by ${other}`,
      });
      continue;
    }
    if (file.schema.$id !== undefined) ids.set(file.schema.$id, file.file);
    try {
      ajv.addSchema(file.schema);
      loaded.add(file);
    } catch (error) {
      const message = `cannot load schema: ${(error as Error).message}`;
      problems.push({ file: file.file, pointer: '/$id', message });
    }
  }
  return loaded;
}

/** Compiles each def on its own (ajv compiles `$defs` only through the `$ref`s that reach them) and the envelope. */
function compileShared(ajv: StrictAjv, set: SchemaSet, loaded: Set<SchemaFile>): LintProblem[] {
  const problems: LintProblem[] = [];
  const defsId = String(set.defs.schema.$id);
  const defKeys = isObject(set.defs.schema.$defs) ? Object.keys(set.defs.schema.$defs) : [];
  const roots = [
    ...defKeys.map((key) => ({
      file: set.defs,
      pointer: `/$defs/${key}`,
      ref: `${defsId}#/$defs/${key}`,
    })),
    { file: set.envelope, pointer: '', ref: String(set.envelope.schema.$id) },
  ];
  for (const { file, pointer, ref } of roots) {
    if (!loaded.has(file)) continue;
    try {
      ajv.getSchema(ref);
    } catch (error) {
      const message = `ajv strict mode: ${(error as Error).message}`;
      problems.push({ file: file.file, pointer, message });
    }
  }
  return problems;
}

/** Compiles one event (strict-mode warnings are problems) and checks that every example validates. */
function compileEvent(ajv: StrictAjv, event: SchemaFile, warnings: string[]): LintProblem[] {
  const problems: LintProblem[] = [];
  const at = (pointer: string, message: string) =>
    problems.push({ file: event.file, pointer, message });
  const start = warnings.length;
  let validate: ReturnType<typeof ajv.getSchema>;
  try {
    validate = ajv.getSchema(String(event.schema.$id));
  } catch (error) {
    at('', `ajv strict mode: ${(error as Error).message}`);
    return problems;
  }
  for (const warning of warnings.slice(start)) at('', `ajv strict mode: ${warning}`);
  if (!validate) {
    at('/$id', 'schema could not be compiled (missing or duplicate $id)');
    return problems;
  }
  const examples = Array.isArray(event.schema.examples) ? event.schema.examples : [];
  examples.forEach((example, index) => {
    if (validate(example)) return;
    for (const error of validate.errors ?? []) {
      const where = error.instancePath || '(root)';
      const extra =
        error.keyword === 'additionalProperties'
          ? ` "${String(error.params.additionalProperty)}"`
          : '';
      at(
        `/examples/${index}${error.instancePath}`,
        `example ${index} is invalid at ${where}: ${error.message}${extra}`,
      );
    }
  });
  return problems;
}

/**
 * Checks every schema of the set and returns one precise problem per defect:
 * naming, required metadata, strict payloads, what tolerant readers rely on, ajv strict mode,
 * and that every example validates. An empty list means the set is good to generate from.
 */
export function lintSchemaSet(set: SchemaSet): LintProblem[] {
  const problems: LintProblem[] = lintEnvelope(set.envelope);
  for (const file of [set.defs, set.envelope, ...set.events]) problems.push(...lintTolerance(file));
  problems.push(...lintEvents(set));
  // ajv strict mode: unknown keywords, ambiguous types, unresolvable $refs …
  const warnings: string[] = [];
  const ajv = createAjv({
    logger: {
      log: () => {},
      warn: (m: unknown) => warnings.push(String(m)),
      error: (m: unknown) => warnings.push(String(m)),
    },
  });
  const loaded = loadFiles(ajv, set, problems);
  problems.push(...compileShared(ajv, set, loaded));
  for (const event of set.events) {
    if (loaded.has(event)) problems.push(...compileEvent(ajv, event, warnings));
  }
  return problems;
}
