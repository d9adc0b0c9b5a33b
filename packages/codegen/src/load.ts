import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Domain, JsonSchema, SchemaFile, SchemaSet } from './model.js';

/** Raised when a schema file is missing or is not valid JSON. */
export class SchemaLoadError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SchemaLoadError';
  }
}

async function readJson(dir: string, file: string): Promise<SchemaFile> {
  let text: string;
  try {
    text = await readFile(join(dir, file), 'utf8');
  } catch (cause) {
    throw new SchemaLoadError(`schemas/${file}: cannot read (${(cause as Error).message})`, {
      cause,
    });
  }
  try {
    return { file, schema: JSON.parse(text) as JsonSchema };
  } catch (cause) {
    throw new SchemaLoadError(`schemas/${file}: not valid JSON (${(cause as Error).message})`, {
      cause,
    });
  }
}

/** Reads `defs.json`, `envelope.json`, `domains.json` and `events/*.json` from a schemas folder. */
export async function loadSchemaSet(dir: string): Promise<SchemaSet> {
  const eventFiles = (await readdir(join(dir, 'events'))).filter((f) => f.endsWith('.json')).sort();
  const [defs, envelope, domains, ...events] = await Promise.all([
    readJson(dir, 'defs.json'),
    readJson(dir, 'envelope.json'),
    readJson(dir, 'domains.json'),
    ...eventFiles.map((f) => readJson(dir, `events/${f}`)),
  ]);
  return {
    defs: defs!,
    envelope: envelope!,
    domains: ((domains!.schema.domains ?? []) as Domain[]).map((d) => ({ ...d })),
    events,
  };
}
