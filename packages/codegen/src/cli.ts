#!/usr/bin/env node
import { watch } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createTwoFilesPatch } from 'diff';
import { type GeneratedFiles, generate, SchemaLintError } from './generate.js';
import { formatProblem } from './lint.js';
import { loadSchemaSet } from './load.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const usage = `Usage: pnpm codegen [--check] [--watch] [--schemas <dir>] [--out <dir>]

  Lints schemas/ and writes types, validators and the catalog to packages/events/src/generated/.
  --check   regenerate in memory and fail with a diff when the committed output is stale
  --watch   regenerate whenever a schema changes
`;

async function readOrEmpty(path: string): Promise<string> {
  return readFile(path, 'utf8').catch(() => '');
}

async function run(schemasDir: string, outDir: string, check: boolean): Promise<number> {
  let files: GeneratedFiles;
  try {
    files = await generate(await loadSchemaSet(schemasDir));
  } catch (error) {
    if (error instanceof SchemaLintError) {
      for (const problem of error.problems) process.stderr.write(`${formatProblem(problem)}\n`);
      process.stderr.write(
        `\ncodegen: ${error.problems.length} schema problem(s); nothing written.\n`,
      );
    } else {
      process.stderr.write(`codegen: ${(error as Error).message}\n`);
    }
    return 1;
  }
  const stale: string[] = [];
  for (const [name, content] of files) {
    const path = join(outDir, name);
    const current = await readOrEmpty(path);
    if (current === content) continue;
    const shown = relative(repoRoot, path);
    if (check) {
      stale.push(shown);
      process.stderr.write(
        createTwoFilesPatch(`${shown} (committed)`, `${shown} (from schemas)`, current, content),
      );
    } else {
      await mkdir(outDir, { recursive: true });
      await writeFile(path, content);
      process.stdout.write(`wrote ${shown}\n`);
    }
  }
  if (check && stale.length > 0) {
    process.stderr.write(
      `\ncodegen --check: ${stale.join(', ')} out of date; run \`pnpm codegen\` and commit the result.\n`,
    );
    return 1;
  }
  process.stdout.write(
    check
      ? 'codegen --check: generated output is up to date.\n'
      : `codegen: ${files.size} files checked.\n`,
  );
  return 0;
}

async function main(): Promise<void> {
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
    return;
  }
  const schemasDir = resolve(values.schemas);
  const outDir = resolve(values.out);
  process.exitCode = await run(schemasDir, outDir, values.check);
  if (!values.watch) return;
  process.stdout.write(`watching ${relative(repoRoot, schemasDir)} for changes…\n`);
  let timer: NodeJS.Timeout | undefined;
  watch(schemasDir, { recursive: true }, (_event, file) => {
    if (!file?.endsWith('.json')) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      process.stdout.write(`\n${file} changed\n`);
      void run(schemasDir, outDir, false);
    }, 100);
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`codegen: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
