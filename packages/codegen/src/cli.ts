#!/usr/bin/env node
import { watch } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runMain } from '@causeflow/devkit/main';
import { runCodegen } from './run.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const usage = `Usage: pnpm codegen [--check] [--watch] [--schemas <dir>] [--out <dir>]

  Lints schemas/ and writes types, validators and the catalog to packages/events/src/generated/.
  --check   regenerate in memory and fail with a diff when the committed output is stale
  --watch   regenerate whenever a schema changes
`;

function run(schemasDir: string, outDir: string, check: boolean): Promise<number> {
  const { stdout, stderr } = process;
  return runCodegen({ schemasDir, outDir, check, root: repoRoot, stdout, stderr });
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      check: { type: 'boolean', default: false },
      watch: { type: 'boolean', default: false },
      schemas: { type: 'string', default: join(repoRoot, 'schemas') },
      out: { type: 'string', default: join(repoRoot, 'packages/events/src/generated') },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  const schemasDir = resolve(values.schemas);
  const outDir = resolve(values.out);
  const code = await run(schemasDir, outDir, values.check);
  if (!values.watch) return code;
  let timer: NodeJS.Timeout | undefined;
  const onChange = (folder: string) => (_event: string, file: string | null) => {
    if (!file?.endsWith('.json')) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      process.stdout.write(`\n${folder}${file} changed\n`);
      void run(schemasDir, outDir, false);
    }, 100);
  };
  // Two plain watchers, set up synchronously: Node 20's recursive watch on Linux walks the tree
  // asynchronously, so an edit made right after start-up could be missed.
  watch(schemasDir, onChange(''));
  watch(join(schemasDir, 'events'), onChange('events/'));
  process.stdout.write(`watching ${relative(repoRoot, schemasDir)} for changes…\n`);
  return code;
}

void runMain('codegen', main);
