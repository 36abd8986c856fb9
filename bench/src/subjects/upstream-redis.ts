/**
 * `@workflow-worlds/redis` 0.2.2 takes a key prefix for its storage, but its BullMQ queues are
 * always `bull:__wkf_workflow` and `bull:__wkf_step`, and it has no `close()`: consumers it starts
 * live until the process exits. So it gets Redis logical databases of its own (15 for the API
 * measurements, 14 for the runtime's app processes, so leftover consumers in the bench process
 * never take the app's jobs), a unique prefix per instance, and its keys are deleted afterwards.
 * It speaks spec version 2 only and has known bugs: its failures are recorded, never fatal.
 */
import { createRequire } from 'node:module';
import { deleteRedisKeys, redisUrl, uniqueName, withRedis, withRedisDb } from '../services.js';
import { loadWorldFactory } from './load.js';
import { opened } from './opened.js';
import type { OpenOptions, RuntimeTarget } from './types.js';

const apiDb = Number(process.env.BENCH_UPSTREAM_REDIS_DB ?? 15);
const runtimeDb = apiDb - 1;

export const upstreamRedisPrepare = () => withRedis(async () => {}, withRedisDb(redisUrl(), apiDb));

/** Its consumers outlive every instance and may recreate queue keys: sweep them at the end. */
export async function upstreamRedisDispose(): Promise<void> {
  for (const db of [apiDb, runtimeDb]) {
    await withRedis(
      (client) => deleteRedisKeys(client, 'bull:__wkf_*'),
      withRedisDb(redisUrl(), db),
    );
  }
}

async function deleteUpstreamKeys(url: string, prefix: string) {
  await withRedis(async (client) => {
    await deleteRedisKeys(client, `${prefix}:*`);
    await deleteRedisKeys(client, 'bull:__wkf_*');
  }, url);
}

export async function upstreamRedisOpen({ label, queueBaseUrl }: OpenOptions) {
  const create = await loadWorldFactory('@workflow-worlds/redis', 'createWorld');
  const url = withRedisDb(redisUrl(), apiDb);
  const keyPrefix = uniqueName(`up_redis_${label}`);
  const world = create({
    redisUrl: url,
    keyPrefix,
    ...(queueBaseUrl ? { baseUrl: queueBaseUrl } : {}),
  });
  return opened(world, () => deleteUpstreamKeys(url, keyPrefix));
}

export const upstreamRedisRuntime: RuntimeTarget = {
  name: 'upstream-redis',
  module: createRequire(import.meta.url).resolve('@workflow-worlds/redis'),
  multiProcess: true,
  async provision() {
    // The factory runs with no arguments in the app, so only env applies: the default prefix.
    const url = withRedisDb(redisUrl(), runtimeDb);
    return { env: { WORKFLOW_REDIS_URI: url }, cleanup: () => deleteUpstreamKeys(url, 'workflow') };
  },
};
