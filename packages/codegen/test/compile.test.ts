/**
 * The TypeScript compiler over generated output: the fixture set's types.ts, validators.ts and
 * catalog.ts are written to a temporary folder with a strict tsconfig and checked by the repo's
 * `tsc` (TypeScript 7 native), alone and together with a consumer that narrows on `event`.
 * The folder lives under this package's node_modules so `ajv`/`ajv-formats` resolve from it.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../src/generate.js';
import { EVENT_CATALOG, EVENT_NAMES } from './fixtures/golden/catalog.js';
import { eventValidators, validateEnvelope } from './fixtures/golden/validators.js';
import { loadFixture, packageRoot, repoRoot } from './support.js';

const run = promisify(execFile);
const tsc = join(repoRoot, 'node_modules/.bin/tsc');
let dir: string;

const consumer = `import type { CauseFlowEvent, EventName, Priority } from './types.js';
import { EVENT_CATALOG, EVENT_NAMES } from './catalog.js';
import { eventValidators } from './validators.js';

export function summary(e: CauseFlowEvent): string {
  switch (e.event) {
    case 'order.placed': {
      const priority: Priority = e.data.priority;
      const email: string | undefined = e.data.customer.email;
      // minItems: 1 makes the first line always present.
      return \`\${priority} \${e.data.lines[0].sku} x\${e.data.lines[0].quantity} \${email ?? ''}\`;
    }
    case 'order.cancelled':
      // @ts-expect-error priority is a field of order.placed, not of order.cancelled
      return e.data.priority;
    case 'parcel.shipped':
      return e.data.trackingUrl ?? e.data.shippedAt;
    default: {
      const unreachable: never = e;
      return unreachable;
    }
  }
}

// @ts-expect-error not an event of the catalog
export const wrong: EventName = 'order.shipped';
export const first: EventName | undefined = EVENT_NAMES[0];
export const ok: boolean = eventValidators['order.placed'](EVENT_CATALOG['order.placed'].examples[0]);
`;

async function typecheck(files: Record<string, string>): Promise<{ code: number; output: string }> {
  const base = relative(dir, join(repoRoot, 'tsconfig.base.json'));
  const tsconfig = {
    extends: base,
    compilerOptions: { rootDir: '.', noEmit: true, skipLibCheck: false },
    include: ['*.ts'],
  };
  await writeFile(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  try {
    const { stdout, stderr } = await run(tsc, ['-p', dir, '--noEmit', '--pretty', 'false']);
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

let generated: Record<string, string>;

beforeAll(async () => {
  const tmpRoot = join(packageRoot, 'node_modules/.tmp');
  await mkdir(tmpRoot, { recursive: true });
  dir = await mkdtemp(join(tmpRoot, 'tsc-'));
  generated = Object.fromEntries(await generate(await loadFixture()));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the TypeScript compiler over the generated output', () => {
  it('accepts the generated files with a consumer that narrows on event, whose @ts-expect-error lines are real errors', async () => {
    const { code, output } = await typecheck({ ...generated, 'consumer.ts': consumer });
    expect(output).toBe('');
    expect(code).toBe(0);
  }, 30_000);

  it('rejects a consumer that reads a field of another event (the check can fail)', async () => {
    const wrong = `import type { CauseFlowEvent } from './types.js';
export function f(e: CauseFlowEvent): string {
  return e.event === 'parcel.shipped' ? e.data.reason : '';
}
`;
    const { code, output } = await typecheck({ ...generated, 'consumer.ts': wrong });
    expect(code).not.toBe(0);
    expect(output).toContain('consumer.ts');
    expect(output).toContain("Property 'reason' does not exist on type 'ParcelShippedData'");
  }, 30_000);
});

describe('the generated validators at run time (golden output)', () => {
  it('accept every example of the fixture catalog', () => {
    for (const name of EVENT_NAMES) {
      for (const example of EVENT_CATALOG[name].examples) {
        expect(eventValidators[name](example)).toBe(true);
        expect(validateEnvelope(example)).toBe(true);
      }
    }
  });

  it('reject a nested violation with a pointer into the payload', () => {
    const example = structuredClone(EVENT_CATALOG['order.placed'].examples[0]!);
    (example.data.lines[0] as { quantity: number }).quantity = 0;
    const validate = eventValidators['order.placed'];
    expect(validate(example)).toBe(false);
    expect(validate.errors).toContainEqual(
      expect.objectContaining({ instancePath: '/data/lines/0/quantity', keyword: 'minimum' }),
    );
  });

  it('check formats (date-time, email) and string length in code points', () => {
    const example = structuredClone(EVENT_CATALOG['order.placed'].examples[0]!);
    const validate = eventValidators['order.placed'];
    expect(validate({ ...example, timestamp: '2024-13-01T00:00:00Z' })).toBe(false);
    expect(validate.errors?.[0]).toMatchObject({ instancePath: '/timestamp', keyword: 'format' });
    expect(
      validate({ ...example, data: { ...example.data, customer: { name: 'A', email: 'nope' } } }),
    ).toBe(false);
    expect(validate.errors?.[0]).toMatchObject({
      instancePath: '/data/customer/email',
      keyword: 'format',
    });
    // 200 astral characters are 400 UTF-16 units but 200 code points: within maxLength 200.
    const name = '😀'.repeat(200);
    expect(validate({ ...example, data: { ...example.data, customer: { name } } })).toBe(true);
    expect(
      validate({ ...example, data: { ...example.data, customer: { name: `${name}x` } } }),
    ).toBe(false);
  });
});
