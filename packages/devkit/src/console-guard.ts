/**
 * Vitest setup shared by every package's suite: a test fails when anything writes to the console
 * (library code and tests log through injected loggers). The output is held back and shown in
 * the failure. Spies are made before each test, so a test that restores all mocks cannot turn
 * the guard off for the tests after it.
 * Use: `import '@causeflow/devkit/console-guard';` in the package's `test/setup.ts`.
 */
import { afterEach, beforeEach, type MockInstance, vi } from 'vitest';

const METHODS = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;
const stray: string[] = [];
const spies: MockInstance[] = [];

beforeEach(() => {
  for (const method of METHODS) {
    spies.push(
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        stray.push(`console.${method}: ${args.map(String).join(' ')}`);
      }),
    );
  }
});

afterEach(() => {
  for (const spy of spies.splice(0)) spy.mockRestore();
  if (stray.length > 0) {
    const lines = stray.splice(0);
    throw new Error(`stray console output:\n${lines.join('\n')}`);
  }
});
