import { createRequire } from 'node:module';
import { addSchemaSet, createAjv } from './ajv.js';
import { stripSchemaSet } from './annotations.js';
import { asciiOnly, buildModel, header, type SchemaSet } from './model.js';
import { emitRuntime, formatsUsed } from './runtime.js';

const require = createRequire(import.meta.url);
const standaloneCode = require('ajv/dist/standalone').default as (
  ajv: unknown,
  refs: Record<string, string>,
) => string;
const { _ } = require('ajv') as typeof import('ajv');

/**
 * `module.exports` of a CommonJS dependency, whichever ESM interop loaded it: Node's namespace has
 * it as `default`; bundlers and vitest give `exports.default` as `default` when `__esModule` is set,
 * and then the namespace itself mirrors `module.exports`.
 */
const CJS_INTEROP = `function __cjs(ns) {
  const d = ns.default;
  return d !== null && (typeof d === "object" || typeof d === "function") && d.__esModule ? d : ns;
}`;

/**
 * Turns the `require("…")` calls ajv's standalone output still contains in ESM mode into
 * ESM namespace imports resolved to `module.exports` (see `CJS_INTEROP`), so the module runs in
 * Node, in vitest and in browser bundles without a CommonJS shim.
 */
export function requiresToImports(code: string): string {
  const specifiers: string[] = [];
  const body = code
    .replace(/^"use strict";\n/, '')
    .replace(/require\("([^"]+)"\)/g, (_match, specifier: string) => {
      const withExt = specifier.endsWith('.js') ? specifier : `${specifier}.js`;
      let index = specifiers.indexOf(withExt);
      if (index === -1) index = specifiers.push(withExt) - 1;
      return `__dep${index}`;
    });
  if (specifiers.length === 0) return body;
  const imports = specifiers.map((s, i) => `import * as __ns${i} from "${s}";`).join('\n');
  const deps = specifiers.map((_s, i) => `const __dep${i} = __cjs(__ns${i});`).join('\n');
  return `${imports}\n${CJS_INTEROP}\n${deps}\n${body}`;
}

/**
 * Removes the `const schemaN = {…};` declarations ajv's standalone output keeps but never reads
 * (the full source of every event schema): they cost load time and change with every annotation.
 */
export function dropUnusedSchemas(code: string): string {
  return code.replace(/^const (schema\d+) = .*;\n/gm, (line, name: string) =>
    new RegExp(`\\b${name}\\b`).test(code.replace(line, '')) ? line : '',
  );
}

/**
 * Emits `validators.ts`: ajv standalone code for the envelope and every event (annotations
 * stripped), plus `eventValidators`, a map from event name to its validator. Nothing compiles a
 * schema at run time, and nothing CommonJS is imported: the formats and `ucs2length` the code
 * calls are emitted into the file (see runtime.ts).
 */
export function emitValidators(set: SchemaSet): string {
  const ajv = createAjv({
    code: { source: true, esm: true, lines: true, formats: _`__formats` },
  });
  // Annotations do not validate anything; leaving them out keeps validator diffs to real changes.
  addSchemaSet(ajv, stripSchemaSet(set));
  const events = buildModel(set);
  const refs: Record<string, string> = { validateEnvelope: String(set.envelope.schema.$id) };
  for (const event of events) refs[`validate${event.typeBase}`] = event.id;
  const standalone = standaloneCode(ajv, refs).replace(
    /require\("ajv\/dist\/runtime\/ucs2length"\)\.default/g,
    '__ucs2length',
  );
  const code = requiresToImports(dropUnusedSchemas(standalone))
    // ajv declares its exports untyped; keep them as internal aliases and export typed ones below.
    .replace(/^export const (\w+) = (\w+);$/gm, 'const $1Impl = $2;');
  const runtime = emitRuntime(formatsUsed(code));

  const typed = Object.keys(refs)
    .map((name) => `export const ${name}: GeneratedValidator = ${name}Impl;`)
    .join('\n');
  const map = events.map((e) => `  ${JSON.stringify(e.name)}: validate${e.typeBase},`).join('\n');
  return asciiOnly(`${header('ajv standalone validators')}// @ts-nocheck: ajv's generated JavaScript; the typed exports are at the end of the file.
import type { EventName } from './types.js';
${runtime}
${code}

/** One ajv error: where (JSON pointer into the payload), which keyword, and a message. */
export interface GeneratedValidationError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/** A generated validator: returns true when valid, otherwise sets \`errors\`. */
export interface GeneratedValidator {
  (data: unknown): boolean;
  errors?: GeneratedValidationError[] | null;
}

${typed}

/** Event name to the validator of its full envelope. */
export const eventValidators: { readonly [N in EventName]: GeneratedValidator } = {
${map}
};
`);
}
