import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Upper bounds against hangs on a busy 2-core machine, not assertions on speed.
    testTimeout: 120_000,
    hookTimeout: 90_000,
    pool: 'forks',
    // The work happens in the app processes and the services; the files mostly wait.
    maxWorkers: 3,
  },
});
