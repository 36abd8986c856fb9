import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describeWorldConformance, waitFor } from '@worldkit/world-testing';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld } from '../src/index.js';
import { testPrefix } from './helpers.js';
import { PrivateRedis } from './private-redis.js';

/**
 * The World on a Redis Cluster of three primaries the test starts itself: every key of a World
 * shares one slot (`keyTags: 'single'`), so every script runs where the cluster routes it.
 */
const nodes: PrivateRedis[] = [];
let seeds = '';

async function startCluster(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    nodes.push(
      await PrivateRedis.start(['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf']),
    );
  }
  const created = spawnSync(
    'redis-cli',
    [
      '--cluster',
      'create',
      ...nodes.map((node) => `127.0.0.1:${node.port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ],
    { encoding: 'utf8' },
  );
  if (created.status !== 0)
    throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
  seeds = nodes.map((node) => node.url).join(',');
  const probe = new Cluster(nodes.map((node) => ({ host: '127.0.0.1', port: node.port })));
  await waitFor(
    async () => ((await probe.cluster('INFO')) as string).includes('cluster_state:ok') || undefined,
    {
      what: 'the cluster to form',
    },
  );
  probe.disconnect();
}

/** A cluster client that has loaded the slot map, so `nodes('master')` lists every primary. */
async function clusterClient(): Promise<Cluster> {
  const client = new Cluster(nodes.map((node) => ({ host: '127.0.0.1', port: node.port })));
  await client.ping();
  return client;
}

async function deleteClusterKeys(prefix: string): Promise<void> {
  const client = await clusterClient();
  for (const node of client.nodes('master')) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) await node.unlink(key);
    } while (cursor !== '0');
  }
  client.disconnect();
}

beforeAll(startCluster, 60_000);
afterAll(async () => {
  await Promise.all(nodes.map((node) => node.stop()));
});

describe('on Redis Cluster', () => {
  it('keeps every key of a World in one slot, so each script runs on one node', async () => {
    const prefix = testPrefix('cluster');
    const world = createWorld({ url: seeds, cluster: true, prefix });
    const runId = 'wrun_01JG0000000000000000000000';
    const created = await world.events.create(runId, {
      eventType: 'run_created',
      eventData: { deploymentId: 'd', workflowName: 'w', input: new Uint8Array([1, 2]) },
    });
    expect(created.run?.input).toEqual(new Uint8Array([1, 2]));
    await world.queue('__wkf_workflow_w', { runId });
    await world.writeToStream('strm_cluster', runId, 'chunk');
    await world.close();
    const client = await clusterClient();
    const keys: string[] = [];
    for (const node of client.nodes('master')) keys.push(...(await node.keys(`${prefix}:*`)));
    const slots = new Set(await Promise.all(keys.map((key) => client.cluster('KEYSLOT', key))));
    client.disconnect();
    expect(keys.length).toBeGreaterThan(5);
    expect(slots.size).toBe(1);
    await deleteClusterKeys(prefix);
  });
});

describeWorldConformance({
  name: 'redis-cluster',
  // The cross-process concurrency area runs the same scripts as on one server; it is left to
  // the single-server suite to keep this one short.
  areas: [
    'lifecycle',
    'storage',
    'transitions',
    'fences',
    'model',
    'queue',
    'streams',
    'durability',
    'input',
    'clients',
  ],
  setup(area) {
    const prefix = testPrefix(`cluster-${area}`);
    return {
      createWorld: (timing) =>
        createWorld({ url: seeds, cluster: true, prefix, logger: { warn() {} }, ...timing }),
      processWorld: {
        module: fileURLToPath(new URL('../src/index.ts', import.meta.url)),
        env: {
          WORKFLOW_REDIS_URL: seeds,
          WORKFLOW_REDIS_CLUSTER: '1',
          WORKFLOW_REDIS_PREFIX: prefix,
        },
      },
      teardown: () => deleteClusterKeys(prefix),
    };
  },
});
