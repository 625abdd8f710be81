import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['./polyfill.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Two cores: big-number work is CPU bound, so more workers only add contention.
    maxWorkers: 2,
    reporters: ['default', './test/support/plain-summary-reporter.ts'],
  },
});
