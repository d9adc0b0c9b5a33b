import { describe, expect, it } from 'vitest';
import { DocsError, defName, resolveSchema, rewriteRefs } from './schema.js';

const defs = {
  Severity: {
    title: 'Severity',
    description: 'Impact level.',
    type: 'string',
    enum: ['high', 'low'],
  },
  Alias: { $ref: 'defs.json#/$defs/Severity', description: 'An alias of Severity.' },
  Loop: { $ref: '#/$defs/Loop' },
};

describe('defName', () => {
  it('reads the def name from refs into defs.json, relative or local', () => {
    expect(defName('../defs.json#/$defs/IncidentId')).toBe('IncidentId');
    expect(defName('defs.json#/$defs/TenantId')).toBe('TenantId');
    expect(defName('#/$defs/Severity')).toBe('Severity');
  });

  it('returns undefined for refs that do not point into defs.json', () => {
    expect(defName('other.json#/foo')).toBeUndefined();
    expect(defName('#/properties/data')).toBeUndefined();
  });
});

describe('resolveSchema', () => {
  it('merges the def under the keywords written beside the $ref and keeps the def name', () => {
    const resolved = resolveSchema(
      { $ref: '../defs.json#/$defs/Severity', description: 'Initial severity.' },
      defs,
    );
    expect(resolved.def).toBe('Severity');
    expect(resolved.schema).toEqual({
      title: 'Severity',
      description: 'Initial severity.',
      type: 'string',
      enum: ['high', 'low'],
    });
  });

  it('follows a chain of refs and reports the first def', () => {
    const resolved = resolveSchema({ $ref: '../defs.json#/$defs/Alias' }, defs);
    expect(resolved.def).toBe('Alias');
    expect(resolved.schema.enum).toEqual(['high', 'low']);
    expect(resolved.schema.description).toBe('An alias of Severity.');
  });

  it('leaves a schema without $ref as it is, with no def', () => {
    const schema = { type: 'string' };
    expect(resolveSchema(schema, defs)).toEqual({ schema });
  });

  it('refuses refs to missing defs, circular refs and foreign refs with a DocsError', () => {
    expect(() => resolveSchema({ $ref: '../defs.json#/$defs/Nope' }, defs)).toThrow(DocsError);
    expect(() => resolveSchema({ $ref: '#/$defs/Loop' }, defs)).toThrow(/circular/);
    expect(() => resolveSchema({ $ref: 'https://x/y.json' }, defs)).toThrow(/unsupported/);
  });
});

describe('rewriteRefs', () => {
  it('points every defs.json ref at the given location, deep, without touching examples', () => {
    const schema = {
      properties: {
        a: { $ref: '../defs.json#/$defs/Severity' },
        list: { type: 'array', items: { $ref: '../defs.json#/$defs/IncidentId' } },
      },
      examples: [{ $ref: 'not a schema' }],
    };
    expect(rewriteRefs(schema, (n) => `#/components/schemas/${n}`)).toEqual({
      properties: {
        a: { $ref: '#/components/schemas/Severity' },
        list: { type: 'array', items: { $ref: '#/components/schemas/IncidentId' } },
      },
      examples: [{ $ref: 'not a schema' }],
    });
  });
});
