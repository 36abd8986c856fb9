import { createWorld } from './world.js';

export type { RedisWorldOptions } from './config.js';
export type { RedisWorld } from './world.js';
export { createWorld };
export default createWorld;
