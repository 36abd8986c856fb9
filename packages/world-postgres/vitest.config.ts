import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Suites of every package share one server (max_connections 100 by default): small pools.
    env: { WORKFLOW_POSTGRES_MAX_POOL_SIZE: '4' },
  },
});
