/**
 * The World module the conformance CLI checks: `worldkit-conformance ./test/conformance-target.ts`.
 * It is the package's own factory, plus `conformance.setup`, which gives each area a fresh key
 * prefix (shared with the area's child processes) and deletes its keys afterwards.
 */
import { fileURLToPath } from 'node:url';
import type { ConformanceModuleHooks } from '@worldkit/world-testing';
import { createWorld as createRedisWorld, type RedisWorldOptions } from '../src/index.js';
import { deleteKeys, REDIS_URL, testPrefix } from './helpers.js';

export function createWorld(options: RedisWorldOptions = {}) {
  return createRedisWorld({ logger: { warn() {} }, ...options });
}

export const conformance: ConformanceModuleHooks = {
  setup(area) {
    const prefix = testPrefix(`cli-${area}`);
    return {
      createWorld: (timing) => createWorld({ url: REDIS_URL, prefix, ...timing }),
      processWorld: {
        module: fileURLToPath(import.meta.url),
        env: { WORKFLOW_REDIS_URL: REDIS_URL, WORKFLOW_REDIS_PREFIX: prefix },
      },
      teardown: () => deleteKeys(prefix),
    };
  },
};
