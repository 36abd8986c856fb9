/** The in-memory reference World, usable without vitest (`require` works too). */
import { createMemoryBackend, createMemoryWorld } from './memory/world.js';
import type { ConformanceModuleHooks } from './suite/types.js';

export type { RetryDelay } from './memory/queue.js';
export {
  createMemoryBackend,
  createMemoryWorld,
  createMemoryWorld as default,
  MEMORY_CAPABILITIES,
  type MemoryBackend,
  type MemoryWorld,
  type MemoryWorldOptions,
} from './memory/world.js';

/**
 * How the conformance CLI checks this module: one backend per area, shared by the instances the
 * suite opens, with the suite's retry delay.
 */
export const conformance: ConformanceModuleHooks = {
  setup() {
    let backend: ReturnType<typeof createMemoryBackend> | undefined;
    return {
      createWorld(timing) {
        backend ??= createMemoryBackend({ retryDelayMs: timing.retryDelayMs });
        return createMemoryWorld({ backend });
      },
    };
  },
};
