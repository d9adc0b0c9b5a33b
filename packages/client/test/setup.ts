// Fails any test that writes to the console: library code and tests must stay silent.
import { afterEach, beforeEach, expect, vi } from 'vitest';

const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;

beforeEach(() => {
  for (const method of methods) vi.spyOn(console, method);
});

afterEach(() => {
  for (const method of methods) {
    // biome-ignore lint/suspicious/noConsole: the guard has to look at the console spies
    const spy = vi.mocked(console[method]);
    const calls = spy.mock.calls;
    spy.mockRestore();
    expect(calls, `unexpected console.${method} output`).toEqual([]);
  }
});
