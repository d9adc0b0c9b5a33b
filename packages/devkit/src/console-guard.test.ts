import { describe, expect, it } from 'vitest';

// This suite runs with the guard as its setup file (vitest.config.ts).
describe('the console guard', () => {
  it.fails('fails a test that writes to the console', () => {
    // biome-ignore lint/suspicious/noConsole: the stray output the guard must catch
    console.log('stray');
  });

  it.fails('fails a test that writes a warning, too', () => {
    console.warn('stray');
  });

  it('passes a silent test', () => {
    expect(1 + 1).toBe(2);
  });
});
