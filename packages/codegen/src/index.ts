/** @causeflow/codegen: schema lint and emitters. The CLI (`pnpm codegen`) wraps these. */
export { addSchemaSet, createAjv } from './ajv.js';
export { stripAnnotations, stripSchemaSet } from './annotations.js';
export { emitCatalog } from './emitCatalog.js';
export { combinedSchema, emitTypes } from './emitTypes.js';
export { emitValidators, requiresToImports } from './emitValidators.js';
export { type GeneratedFiles, generate, SchemaLintError } from './generate.js';
export { EVENT_NAME_PATTERN, formatProblem, type LintProblem, lintSchemaSet } from './lint.js';
export { loadSchemaSet, SchemaLoadError } from './load.js';
export * from './model.js';
