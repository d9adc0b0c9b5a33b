import { emitCatalog } from './emitCatalog.js';
import { emitIds } from './emitIds.js';
import { emitTypes } from './emitTypes.js';
import { emitValidators } from './emitValidators.js';
import { type LintProblem, lintSchemaSet } from './lint.js';
import type { SchemaSet } from './model.js';

/** What codegen produces: file name (relative to the output folder) → content. */
export type GeneratedFiles = ReadonlyMap<string, string>;

/** Raised when the schema set does not pass the lint; carries every problem. */
export class SchemaLintError extends Error {
  constructor(readonly problems: readonly LintProblem[]) {
    super(`${problems.length} schema problem(s)`);
    this.name = 'SchemaLintError';
  }
}

/** Lints the set, then runs every emitter. Pure: same set in, same files out. */
export async function generate(set: SchemaSet): Promise<GeneratedFiles> {
  const problems = lintSchemaSet(set);
  if (problems.length > 0) throw new SchemaLintError(problems);
  return new Map([
    ['catalog.ts', emitCatalog(set)],
    ['ids.ts', emitIds(set)],
    ['types.ts', await emitTypes(set)],
    ['validators.ts', emitValidators(set)],
  ]);
}
