import { Redis } from 'ioredis';
import { beforeAll } from 'vitest';
import { createWorld } from '../src/index.js';
import { assertRedisReachable, deleteKeys, REDIS_URL, scanKeys } from './helpers.js';
import { describeRetention } from './retention-cases.js';

beforeAll(() => assertRedisReachable());

describeRetention({
  name: 'one server',
  keyTags: 'run',
  createWorld: (prefix, options) =>
    createWorld({ url: REDIS_URL, prefix, logger: { warn() {} }, ...options }),
  client: async () => new Redis(REDIS_URL),
  keys: (prefix) => scanKeys(prefix),
  deleteKeys: (prefix) => deleteKeys(prefix),
});
