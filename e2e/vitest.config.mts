import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // App processes run the real runtime: give runs room on a busy 2-core machine. These are
    // upper bounds against hangs, not assertions on speed.
    testTimeout: 300_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // The work happens in the app processes and the services; the test files mostly wait, so
    // all three run at once even on two cores.
    maxWorkers: 3,
  },
});
