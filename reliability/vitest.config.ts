import { defineConfig } from 'vitest/config';

const full = process.env.RELIABILITY_SCALE === 'full';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The checks load the machine: one file at a time, one worker.
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: full ? 900_000 : 60_000,
    hookTimeout: 60_000,
    setupFiles: ['./test/setup.ts'],
    reporters: ['default', './src/reporter.ts'],
  },
});
