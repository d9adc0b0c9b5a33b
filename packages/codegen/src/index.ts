/** @causeflow/codegen: schema lint and emitters. The CLI (`pnpm codegen`) wraps these. */
export { addSchemaSet, createAjv } from './ajv.js';
export { stripAnnotations, stripSchemaSet } from './annotations.js';
export {
  type Change,
  type ChangelogEntry,
  type ChangeRule,
  CompatError,
  type CompatSummary,
  changelog,
  compareSchemaSets,
  EMPTY_SCHEMA_SET,
  formatChange,
  formatSummary,
  lintVersioning,
  schemaSetFromFiles,
  schemaVersion,
  summarize,
  type Verdict,
} from './compat.js';
export { emitCatalog } from './emitCatalog.js';
export { emitIds, idDefinitions } from './emitIds.js';
export { combinedSchema, emitTypes } from './emitTypes.js';
export { emitValidators, requiresToImports } from './emitValidators.js';
export { type GeneratedFiles, generate, SchemaLintError } from './generate.js';
export { EVENT_NAME_PATTERN, formatProblem, type LintProblem, lintSchemaSet } from './lint.js';
export { loadSchemaSet, SchemaLoadError } from './load.js';
export * from './model.js';
export {
  formatJson,
  type NewEventOptions,
  type NewEventPlan,
  type NewEventResult,
  planNewEvent,
  TODO_MARK,
  titleFromName,
  withEvent,
} from './newEvent.js';
