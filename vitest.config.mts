import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration and end-to-end files start their own redis-server and processes;
    // two cores cannot run many of them at once without skewing timings.
    maxWorkers: 2,
    pool: 'forks',
  },
});
