/**
 * Golden files: every emitter runs on the fixture schema set (test/fixtures/schemas) and its
 * output must equal test/fixtures/golden/<file> byte for byte.
 *
 * After an intended change to an emitter, rewrite the golden files and review their diff:
 *   UPDATE_GOLDEN=1 pnpm test
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type GeneratedFiles, generate } from '../src/generate.js';
import { goldenDir, loadFixture } from './support.js';

const update = process.env.UPDATE_GOLDEN === '1';
let files: GeneratedFiles;

beforeAll(async () => {
  files = await generate(await loadFixture());
});

describe('golden output for the fixture schema set', () => {
  it('generates exactly the four files of the events package', () => {
    expect([...files.keys()].sort()).toEqual(['catalog.ts', 'ids.ts', 'types.ts', 'validators.ts']);
  });

  it.each(['types.ts', 'validators.ts', 'catalog.ts', 'ids.ts'])(
    '%s equals its golden file (UPDATE_GOLDEN=1 rewrites it)',
    async (name) => {
      const actual = files.get(name);
      expect(actual).toBeTypeOf('string');
      const path = join(goldenDir, name);
      if (update) await writeFile(path, actual!);
      const golden = await readFile(path, 'utf8');
      expect(actual).toBe(golden);
    },
  );

  it('is deterministic: a second run on a fresh copy of the set gives the same bytes', async () => {
    const again = await generate(await loadFixture());
    for (const [name, content] of files) expect(again.get(name)).toBe(content);
  });
});
