import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    // Each upstream test starts an app server of its own and waits on real runs: upper bounds
    // against hangs, not assertions on speed.
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One file per World; they mostly wait on their servers, so all three run at once.
    maxWorkers: 3,
  },
});
