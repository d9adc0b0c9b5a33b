#!/usr/bin/env node
/**
 * `pnpm new-event <domain>.<action> [--domain <key>] [--description <text>] [--when <text>]`:
 * writes schemas/events/<name>.json from the template (newEvent.ts), then runs the codegen CLI.
 */
import { spawn } from 'node:child_process';
import { unlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runMain } from '@causeflow/devkit/main';
import { formatProblem, lintSchemaSet } from './lint.js';
import { loadSchemaSet } from './load.js';
import { planNewEvent, withEvent } from './newEvent.js';

const here = fileURLToPath(import.meta.url);
const repoRoot = resolve(dirname(here), '../../..');
const usage = `Usage: pnpm new-event <domain>.<action> [--domain <key>] [--description <text>] [--when <text>]
                      [--schemas <dir>] [--out <dir>]

  Creates schemas/events/<domain>.<action>.json from a template that passes the lint, runs
  codegen and prints the files it touched.
  --domain       domain key from schemas/domains.json (default: the name's prefix, when it is one)
  --description  what the event means for consumers (default: a TODO placeholder)
  --when         when the event is emitted (default: a TODO placeholder)
`;

/** Runs the codegen CLI (same file, same runtime flags) and collects the files it wrote. */
function runCodegen(
  schemasDir: string,
  outDir: string,
): Promise<{ code: number; wrote: string[] }> {
  const cli = join(dirname(here), here.endsWith('.ts') ? 'cli.ts' : 'cli.js');
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      [...process.execArgv, cli, '--schemas', schemasDir, '--out', outDir],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let output = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      output += chunk;
      process.stdout.write(chunk);
    });
    child.on('error', fail);
    child.on('close', (code) => {
      const wrote = [...output.matchAll(/^wrote (.+)$/gm)].map((m) => m[1]!);
      done({ code: code ?? 1, wrote });
    });
  });
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      domain: { type: 'string' },
      description: { type: 'string' },
      when: { type: 'string' },
      schemas: { type: 'string', default: join(repoRoot, 'schemas') },
      out: { type: 'string', default: join(repoRoot, 'packages/events/src/generated') },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  if (positionals.length !== 1) {
    process.stderr.write(`new-event: give exactly one event name\n\n${usage}`);
    return 2;
  }
  const schemasDir = resolve(values.schemas);
  const outDir = resolve(values.out);
  const set = await loadSchemaSet(schemasDir);
  const result = planNewEvent(
    {
      name: positionals[0]!,
      domain: values.domain,
      description: values.description,
      when: values.when,
    },
    set,
  );
  if (!result.ok) {
    process.stderr.write(`new-event: ${result.message}. Nothing written.\n`);
    return 1;
  }
  const { plan } = result;
  const problems = lintSchemaSet(withEvent(set, plan));
  if (problems.length > 0) {
    for (const problem of problems) process.stderr.write(`${formatProblem(problem)}\n`);
    process.stderr.write('\nnew-event: the schema set does not pass the lint; nothing written.\n');
    return 1;
  }
  const path = join(schemasDir, plan.file);
  await writeFile(path, plan.text, { flag: 'wx' });
  const shown = relative(repoRoot, path);
  process.stdout.write(`created ${shown}\n`);
  const codegen = await runCodegen(schemasDir, outDir);
  if (codegen.code !== 0) {
    await unlink(path);
    process.stderr.write(`new-event: codegen failed; removed ${shown} again.\n`);
    return 1;
  }
  process.stdout.write(
    [
      '',
      `Touched: ${[shown, ...codegen.wrote].join(', ')}`,
      `Now edit ${shown}:`,
      ...plan.edit.map((e) => `  - ${e}`),
      'then run `pnpm codegen` and `pnpm schemas:compat`, and commit the schema with the generated files.',
      '',
    ].join('\n'),
  );
  return 0;
}

void runMain('new-event', main);
