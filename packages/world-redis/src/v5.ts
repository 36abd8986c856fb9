/**
 * The World for the `workflow` 5.x runtime: the same store as the package root (a 4.x app and a
 * 5.x app may share it), declaring a 5.x spec version and the `streams` namespace. Load it with
 * `WORKFLOW_TARGET_WORLD=@worldkit/world-redis/v5`; `WORKFLOW_SPEC_VERSION` picks the spec version.
 */
import { type Face5xOptions, toWorld5x, type World5x } from '@worldkit/world';
import type { RedisWorldOptions } from './config.js';
import { createWorld as createWorld4x, type RedisWorld } from './world.js';

export type RedisWorld5x = World5x<RedisWorld>;

export function createWorld(options: RedisWorldOptions & Face5xOptions = {}): RedisWorld5x {
  const { specVersion, ...worldOptions } = options;
  return toWorld5x(createWorld4x(worldOptions), { specVersion });
}

export default createWorld;
