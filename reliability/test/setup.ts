/**
 * Fails any test that writes to the console: library code and tests must stay silent.
 */
import { afterEach, vi } from 'vitest';

const stray: string[] = [];
for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
  vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
    stray.push(`console.${method}: ${args.map(String).join(' ')}`);
  });
}

afterEach(() => {
  if (stray.length > 0) {
    const lines = stray.splice(0);
    throw new Error(`stray console output:\n${lines.join('\n')}`);
  }
});
