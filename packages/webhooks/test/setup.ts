// Fails any test that writes to the console: library code and tests log through injected loggers.
import { afterEach, beforeEach, expect, type MockInstance, vi } from 'vitest';

const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;
const spies: MockInstance[] = [];

beforeEach(() => {
  for (const method of methods) spies.push(vi.spyOn(console, method));
});

afterEach(() => {
  const calls = spies.flatMap((spy) => spy.mock.calls);
  for (const spy of spies.splice(0)) spy.mockRestore();
  expect(calls, 'stray console output').toEqual([]);
});
