import { lintSchemaSet, loadSchemaSet } from '@causeflow/codegen';
import { describe, expect, it } from 'vitest';
import { packageDir } from '../harness/packages.js';
import { syntheticSet } from './codegen.js';

describe('syntheticSet', () => {
  it('makes exactly the requested number of distinct events that pass the schema lint', async () => {
    const real = await loadSchemaSet(packageDir('@causeflow/schemas'));
    const set = syntheticSet(real, 45);
    expect(set.events).toHaveLength(45);
    const names = new Set(set.events.map((e) => e.file));
    expect(names.size).toBe(45);
    expect(lintSchemaSet(set)).toEqual([]);
  });
});
