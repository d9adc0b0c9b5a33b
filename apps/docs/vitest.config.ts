import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    setupFiles: ['./test/setup.ts'],
    // The browser suite builds the site once (about 25 s on 2 cores).
    hookTimeout: 120_000,
    testTimeout: 30_000,
  },
});
