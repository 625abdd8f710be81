import { defineConfig } from 'vitest/config';

// Two groups, run one after the other in one `vitest run`: the unit tests (pure code and single
// adapters: seconds each), then the end-to-end tests (whole nodes, networks, processes and
// simulations: up to minutes each). `npm run test:unit` / `npm run test:e2e` run one group.
const common = {
  setupFiles: ['./polyfill.ts'],
  testTimeout: 120_000,
  hookTimeout: 180_000,
};

export default defineConfig({
  test: {
    // Two cores: big-number work is CPU bound, so more workers only add contention.
    maxWorkers: 2,
    reporters: ['default', './test/support/plain-summary-reporter.ts'],
    projects: [
      { test: { ...common, name: 'unit', include: ['test/unit/**/*.test.ts'], sequence: { groupOrder: 0 } } },
      { test: { ...common, name: 'e2e', include: ['test/e2e/**/*.test.ts'], sequence: { groupOrder: 1 } } },
    ],
  },
});
