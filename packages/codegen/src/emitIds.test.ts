import { describe, expect, it } from 'vitest';
import { tinySet } from '../test/support.js';
import { emitIds, idDefinitions } from './emitIds.js';
import type { SchemaSet } from './model.js';

function withDefs($defs: Record<string, unknown>): SchemaSet {
  const set = tinySet([]);
  return { ...set, defs: { file: 'defs.json', schema: { $defs } } };
}

describe('idDefinitions', () => {
  const cases = [
    {
      name: 'takes every <Name>Id def with a pattern, sorted by name',
      given: { TenantId: { pattern: '^ten_' }, EventId: { pattern: '^evt_' } },
      want: [
        { name: 'EventId', pattern: '^evt_' },
        { name: 'TenantId', pattern: '^ten_' },
      ],
    },
    {
      name: 'skips defs without a pattern and defs that are not ids',
      given: { UserId: { type: 'string' }, Slug: { pattern: '^[a-z]+$' }, Timestamp: {} },
      want: [],
    },
  ];
  it.each(cases)('$name', ({ given, want }) => {
    expect(idDefinitions(withDefs(given))).toEqual(want);
  });
});

describe('emitIds', () => {
  it('emits one RegExp per id, with the u flag, and their names as IdKind', () => {
    const out = emitIds(withDefs({ TenantId: { pattern: '^ten_[a-z/]+$' } }));
    expect(out).toContain(`export type IdKind = "TenantId";`);
    expect(out).toContain(`  TenantId: new RegExp("^ten_[a-z/]+$", 'u'),`);
  });

  it('emits a module whose patterns match what the schema pattern matches', async () => {
    const out = emitIds(withDefs({ TenantId: { pattern: '^ten_[A-Za-z0-9_]{1,64}$' } }));
    const body = out.replace(/^export type .*$/m, '').replace(/: \{ readonly .*\} =/, ' =');
    const run = new Function(`${body.replace('export const', 'const')}\nreturn ID_PATTERNS;`);
    const patterns = run() as Record<string, RegExp>;
    expect(patterns.TenantId!.test('ten_demo')).toBe(true);
    expect(patterns.TenantId!.test('ten_')).toBe(false);
    expect(patterns.TenantId!.test('xten_demo')).toBe(false);
  });

  it('emits IdKind never when defs.json has no ids', () => {
    expect(emitIds(withDefs({}))).toContain('export type IdKind = never;');
  });
});
