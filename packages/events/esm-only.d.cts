// Types for require('@causeflow/events'): the package is ESM only (see esm-only.cjs), so a
// CommonJS caller gets this message as the module's type instead of the real API.
// Use `await import('@causeflow/events')`, which resolves to the real types.
declare const esmOnly: '@causeflow/events is ESM only: use import()';
export = esmOnly;
