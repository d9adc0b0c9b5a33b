import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 15_000,
    hookTimeout: 15_000,
    server: {
      deps: {
        // Run the built workspace packages with Node's own ESM loader, as in production: their
        // generated validators default-import CommonJS ajv runtime files (Node interop semantics).
        external: [/\/packages\/[^/]+\/dist\//, /\/apps\/[^/]+\/dist\//],
      },
    },
  },
});
