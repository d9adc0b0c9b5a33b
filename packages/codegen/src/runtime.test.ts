import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emitRuntime, FORMAT_RUNTIME, FormatRuntimeError, formatsUsed } from './runtime.js';

const require = createRequire(import.meta.url);
const { fullFormats } = require('ajv-formats/dist/formats') as {
  fullFormats: Record<string, ((s: string) => boolean) | { validate: (s: string) => boolean }>;
};
const ucs2length = require('ajv/dist/runtime/ucs2length').default as (s: string) => number;

type Check = (s: string) => boolean;
const names = Object.keys(FORMAT_RUNTIME);
// The emitted code is plain JavaScript; evaluate it the way the generated module does.
const emitted = new Function(`${emitRuntime(names)}\nreturn { __formats, __ucs2length };`)() as {
  __formats: Record<string, Check | { validate: Check }>;
  __ucs2length: (s: string) => number;
};
const asCheck = (f: Check | { validate: Check }): Check =>
  typeof f === 'function' ? f : f.validate;

const FIXED = [
  '2024-04-01T14:30:00Z',
  '2024-02-29T00:00:00+01:00',
  '2023-02-29T00:00:00Z',
  '2024-04-01 14:30:00Z',
  '2024-04-01T14:30:00',
  '2024-04-01T23:59:60Z',
  '2024-04-01T24:00:00Z',
  '2024-04-01',
  '14:30:00.123z',
  'https://runbooks.example.com/db/x?y=1#z',
  'urn:isbn:0451450523',
  'not a uri',
  '//host/path',
  '',
];

describe('emitted format runtime', () => {
  it.each(names)('"%s" agrees with ajv-formats on fixed and generated strings', (name) => {
    const ours = asCheck(emitted.__formats[name]!);
    const theirs = asCheck(fullFormats[name]!);
    for (const s of FIXED) expect(ours(s), JSON.stringify(s)).toBe(theirs(s));
    const dateLike = fc
      .tuple(fc.stringMatching(/^\d{4}-\d\d-\d\d$/), fc.constantFrom('T', 't', ' ', 'x'))
      .chain(([d, sep]) =>
        fc
          .stringMatching(/^\d\d:\d\d:\d\d(\.\d+)?(Z|z|[+-]\d\d(:?\d\d)?)?$/)
          .map((t) => d + sep + t),
      );
    fc.assert(
      fc.property(fc.oneof(fc.string(), dateLike, fc.webUrl()), (s) => ours(s) === theirs(s)),
      { numRuns: 500 },
    );
  });

  it('counts string length in code points like ajv', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => emitted.__ucs2length(s) === ucs2length(s)),
    );
  });

  it('emits only the formats asked for', () => {
    expect(emitRuntime(['uri'])).toContain('__uri');
    expect(emitRuntime(['uri'])).not.toContain('__dateTime');
  });

  it('refuses a format that has no run-time implementation, naming it', () => {
    expect(() => emitRuntime(['int32'])).toThrow(FormatRuntimeError);
    expect(() => emitRuntime(['int32'])).toThrow(/"int32"/);
  });

  it('finds the formats ajv code looks up, by index and by property', () => {
    expect(formatsUsed('a = __formats["date-time"]; b = __formats.uri; c = __formats.uri')).toEqual(
      ['date-time', 'uri'],
    );
  });
});
