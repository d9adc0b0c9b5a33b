import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DocsError } from '../src/schema.js';
import { CLIENT_BUNDLE, writeSite } from '../src/write.js';

const schemasDir = fileURLToPath(new URL('../../../schemas', import.meta.url));
const pagesDir = fileURLToPath(new URL('../pages', import.meta.url));
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'causeflow-docs-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function copySchemas(name: string): Promise<string> {
  const dir = join(tmp, name);
  await cp(schemasDir, dir, { recursive: true });
  return dir;
}

// biome-ignore lint/suspicious/noExplicitAny: editing schema JSON in place
async function editJson(path: string, edit: (json: any) => void): Promise<void> {
  const json = JSON.parse(await readFile(path, 'utf8'));
  edit(json);
  await writeFile(path, JSON.stringify(json, null, 2));
}

describe('writeSite', () => {
  it('shows a field added to a schema in the field table, the example and the API documents, with no other edit', async () => {
    const schemas = await copySchemas('added-field');
    await editJson(join(schemas, 'events/incident.created.json'), (schema) => {
      schema.properties.data.properties.owningTeam = {
        type: 'string',
        description: 'Team that owns the affected service.',
        minLength: 1,
        maxLength: 120,
      };
      schema.examples[0].data.owningTeam = 'payments-sre';
    });
    const outDir = join(tmp, 'added-field-out');
    await writeSite({ schemasDir: schemas, outDir });

    const page = await readFile(join(outDir, 'events/incident.created.md'), 'utf8');
    expect(page).toMatch(
      /<div class="cf-field" id="data\.owningTeam" data-path="data\.owningTeam" data-required="no"[^>]*><div class="cf-field-head"><a class="cf-field-name" href="#data\.owningTeam"><code>owningTeam<\/code><\/a> <span class="cf-field-type">string<\/span> <span class="cf-badge cf-optional">optional<\/span><\/div><p class="cf-field-desc">Team that owns the affected service\.<\/p><ul class="cf-tags"><li class="cf-tag" data-kind="constraint">length 1–120<\/li><\/ul><\/div>/,
    );
    const bundled = JSON.parse(
      await readFile(join(outDir, 'public/schemas/incident.created.json'), 'utf8'),
    );
    expect(bundled.properties.data.properties.owningTeam).toMatchObject({ maxLength: 120 });
    expect(page).toContain('"owningTeam": "payments-sre"');
    expect(page).toMatch(/^data: \{.*"owningTeam":"payments-sre".*\}$/m);

    const asyncapi = JSON.parse(await readFile(join(outDir, 'public/asyncapi.json'), 'utf8'));
    const schema = asyncapi.components.schemas['incident.created'];
    expect(schema.properties.data.properties.owningTeam).toMatchObject({ type: 'string' });
    expect(
      asyncapi.components.messages['incident.created'].examples[0].payload.data.owningTeam,
    ).toBe('payments-sre');
    const openapi = JSON.parse(await readFile(join(outDir, 'public/openapi.json'), 'utf8'));
    expect(
      openapi.components.schemas['incident.created'].properties.data.properties.owningTeam,
    ).toBeDefined();

    const original = join(tmp, 'original-out');
    await writeSite({ schemasDir, outDir: original });
    expect(await readFile(join(original, 'events/incident.created.md'), 'utf8')).not.toContain(
      'owningTeam',
    );
  });

  it('adds a page, a catalog row and AsyncAPI message for a new event file', async () => {
    const schemas = await copySchemas('new-event');
    const source = JSON.parse(await readFile(join(schemas, 'events/user.deleted.json'), 'utf8'));
    source.$id = source.$id.replace('user.deleted', 'user.suspended');
    source.title = 'User suspended';
    source['x-when-emitted'] = 'A user is suspended from a tenant';
    source.properties.event.const = 'user.suspended';
    for (const example of source.examples) example.event = 'user.suspended';
    await writeFile(join(schemas, 'events/user.suspended.json'), JSON.stringify(source, null, 2));
    const outDir = join(tmp, 'new-event-out');
    const result = await writeSite({ schemasDir: schemas, outDir });

    expect(result.files).toContain('events/user.suspended.md');
    const catalog = await readFile(join(outDir, 'events/index.md'), 'utf8');
    const userSection = catalog.slice(catalog.indexOf('## User'), catalog.indexOf('## Ingestion'));
    expect(userSection).toContain('[`user.suspended`](../events/user.suspended.md)');
    expect(userSection).toContain('A user is suspended from a tenant');
    const asyncapi = JSON.parse(await readFile(join(outDir, 'public/asyncapi.json'), 'utf8'));
    expect(asyncapi.components.messages['user.suspended'].summary).toBe(
      'A user is suspended from a tenant',
    );
  });

  it('refuses a schema set that fails the codegen lint and writes nothing', async () => {
    const schemas = await copySchemas('broken');
    await editJson(join(schemas, 'events/incident.created.json'), (schema) => {
      schema['x-domain'] = 'no-such-domain';
    });
    const outDir = join(tmp, 'broken-out');
    await expect(writeSite({ schemasDir: schemas, outDir })).rejects.toThrow(DocsError);
    await expect(readFile(join(outDir, 'events/index.md'), 'utf8')).rejects.toThrow(/ENOENT/);
  });

  it('copies the hand-written pages and the client bundle, and replaces stale files', async () => {
    const outDir = join(tmp, 'full-out');
    const bundle = join(tmp, 'bundle.js');
    await writeFile(bundle, 'export const openStream = () => {};\n');
    await writeSite({ schemasDir, outDir });
    await writeFile(join(outDir, 'stale.md'), '# stale');
    const result = await writeSite({ schemasDir, outDir, pagesDir, clientBundle: bundle });

    expect(result.clientBundled).toBe(true);
    expect(await readFile(join(outDir, 'public', CLIENT_BUNDLE), 'utf8')).toContain('openStream');
    for (const page of ['index.md', 'getting-started.md', 'contract.md']) {
      expect(result.files).toContain(page);
    }
    await expect(readFile(join(outDir, 'stale.md'), 'utf8')).rejects.toThrow(/ENOENT/);
    const missing = await writeSite({
      schemasDir,
      outDir,
      clientBundle: join(tmp, 'nope.js'),
    });
    expect(missing.clientBundled).toBe(false);
  });
});
