/**
 * The client snippets of the event pages compile against the real @causeflow/client types:
 * a renamed field or a changed client API breaks this test, not a reader's copy-paste.
 */
import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadSchemaSet } from '@causeflow/codegen';
import { describe, expect, it } from 'vitest';
import { docsModel } from '../src/model.js';
import { clientSnippet } from '../src/pages.js';

const run = promisify(execFile);
const docsRoot = fileURLToPath(new URL('..', import.meta.url));
const dir = join(docsRoot, 'test-results/snippets');

describe('client snippets', () => {
  it('typecheck with tsc against @causeflow/client, one file per event', async () => {
    const model = docsModel(
      await loadSchemaSet(fileURLToPath(new URL('../../../schemas', import.meta.url))),
    );
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    for (const event of model.events) {
      await writeFile(join(dir, `${event.name}.ts`), `${clientSnippet(event)}\nexport {};\n`);
    }
    await writeFile(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        extends: '../../../../tsconfig.base.json',
        compilerOptions: { noEmit: true, noUnusedLocals: true },
        include: ['*.ts'],
      }),
    );
    const result = await run(join(docsRoot, 'node_modules/.bin/tsc'), ['-p', dir]).then(
      () => '',
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    expect(result).toBe('');
    // A snippet that reads a field the schema does not have must fail: the check has teeth.
    await writeFile(
      join(dir, 'broken.ts'),
      "import { openStream } from '@causeflow/client';\nopenStream({ url: 'x', token: 't' }).on('incident.created', (e) => e.data.nope);\n",
    );
    const broken = await run(join(docsRoot, 'node_modules/.bin/tsc'), ['-p', dir]).then(
      () => '',
      (error: { stdout?: string }) => error.stdout ?? '',
    );
    expect(broken).toContain("Property 'nope' does not exist");
  }, 60_000);
});
