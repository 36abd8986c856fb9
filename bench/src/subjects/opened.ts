import type { World } from '@worldkit/world';
import type { OpenedWorld } from './types.js';

/** Wraps a World with its declared capabilities and a close that also removes its data. */
export function opened(world: World, removeData: () => Promise<unknown>): OpenedWorld {
  return {
    world,
    specVersion: world.specVersion ?? 2,
    fenced: world.capabilities?.lastKnownEventIdFence === true,
    async close() {
      try {
        await world.close?.();
      } finally {
        await removeData();
      }
    },
  };
}
