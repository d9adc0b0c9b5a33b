import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { type GeneratedFiles, generate, SchemaLintError } from './generate.js';
import { formatProblem } from './lint.js';
import { loadSchemaSet } from './load.js';

/** Something text can be written to (process.stdout, or a buffer in tests). */
export interface TextSink {
  write(text: string): unknown;
}

/** What one codegen run reads, writes and reports to. */
export interface RunCodegenOptions {
  readonly schemasDir: string;
  readonly outDir: string;
  /** Compare with the files in `outDir` instead of writing; print a diff when stale. */
  readonly check: boolean;
  /** Output paths are shown relative to this folder (the repo root). */
  readonly root: string;
  readonly stdout: TextSink;
  readonly stderr: TextSink;
}

async function readOrEmpty(path: string): Promise<string> {
  return readFile(path, 'utf8').catch(() => '');
}

/**
 * Lints and generates once, then writes the changed files (or, with `check`, prints a diff of the
 * stale ones). Returns the exit code: 0 when done or up to date, 1 on a schema problem or stale output.
 * @example
 * process.exitCode = await runCodegen({ schemasDir, outDir, check: true, root, stdout: process.stdout, stderr: process.stderr });
 */
export async function runCodegen(options: RunCodegenOptions): Promise<number> {
  const { schemasDir, outDir, check, root, stdout, stderr } = options;
  let files: GeneratedFiles;
  try {
    files = await generate(await loadSchemaSet(schemasDir));
  } catch (error) {
    if (error instanceof SchemaLintError) {
      for (const problem of error.problems) stderr.write(`${formatProblem(problem)}\n`);
      stderr.write(`\ncodegen: ${error.problems.length} schema problem(s); nothing written.\n`);
    } else {
      stderr.write(`codegen: ${(error as Error).message}\n`);
    }
    return 1;
  }
  const stale: string[] = [];
  for (const [name, content] of files) {
    const path = join(outDir, name);
    const current = await readOrEmpty(path);
    if (current === content) continue;
    const shown = relative(root, path);
    if (check) {
      stale.push(shown);
      stderr.write(
        createTwoFilesPatch(`${shown} (committed)`, `${shown} (from schemas)`, current, content),
      );
    } else {
      await mkdir(outDir, { recursive: true });
      await writeFile(path, content);
      stdout.write(`wrote ${shown}\n`);
    }
  }
  if (check && stale.length > 0) {
    stderr.write(
      `\ncodegen --check: ${stale.join(', ')} out of date; run \`pnpm codegen\` and commit the result.\n`,
    );
    return 1;
  }
  stdout.write(
    check
      ? 'codegen --check: generated output is up to date.\n'
      : `codegen: ${files.size} files checked.\n`,
  );
  return 0;
}
