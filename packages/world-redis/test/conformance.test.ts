import { fileURLToPath } from 'node:url';
import { describeWorldConformance } from '@worldkit/world-testing';
import { createWorld } from '../src/index.js';
import { deleteKeys, REDIS_URL, testPrefix } from './helpers.js';

// Each area gets its own key prefix; child processes open the same World module over it.
describeWorldConformance({
  name: 'redis',
  setup(area) {
    const prefix = testPrefix(`conformance-${area}`);
    return {
      createWorld: (timing) =>
        createWorld({
          url: REDIS_URL,
          prefix,
          retryDelayMs: timing.retryDelayMs,
          leaseMs: timing.leaseMs,
          pollIntervalMs: timing.pollIntervalMs,
          logger: { warn() {} },
        }),
      processWorld: {
        module: fileURLToPath(new URL('../src/index.ts', import.meta.url)),
        env: { WORKFLOW_REDIS_URL: REDIS_URL, WORKFLOW_REDIS_PREFIX: prefix },
      },
      teardown: () => deleteKeys(prefix),
    };
  },
});
