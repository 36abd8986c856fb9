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
    // One file per World; they mostly wait on their servers, so all three run at once. Upstream's
    // tests bound their own waits (10 s for a run to finish), so turbo runs this package after
    // the e2e package rather than beside it on a busy machine (turbo.json).
    maxWorkers: 3,
  },
});
