// Types for require('@causeflow/client'): the package is ESM only (see esm-only.cjs), so a
// CommonJS caller gets this message as the module's type instead of the real API.
// Use `await import('@causeflow/client')`, which resolves to the real types.
declare const esmOnly: '@causeflow/client is ESM only: use import()';
export = esmOnly;
