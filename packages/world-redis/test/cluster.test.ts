import { fileURLToPath } from 'node:url';
import { describeWorldConformance } from '@worldkit/world-testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld } from '../src/index.js';
import { testPrefix } from './helpers.js';
import { PrivateCluster } from './private-cluster.js';
import { describeRetention } from './retention-cases.js';

/**
 * The World on a Redis Cluster of three primaries the test starts itself: every key of a World
 * shares one slot (`keyTags: 'single'`), so every script runs where the cluster routes it.
 */
let cluster: PrivateCluster;
let seeds = '';

beforeAll(async () => {
  cluster = await PrivateCluster.start();
  seeds = cluster.url;
}, 60_000);
afterAll(() => cluster.stop());

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
    const keys = await cluster.keys(prefix);
    const client = await cluster.client();
    const slots = new Set(await Promise.all(keys.map((key) => client.cluster('KEYSLOT', key))));
    client.disconnect();
    expect(keys.length).toBeGreaterThan(5);
    expect(slots.size).toBe(1);
    await cluster.deleteKeys(prefix);
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
      teardown: () => cluster.deleteKeys(prefix),
    };
  },
});

describeRetention({
  name: 'Redis Cluster',
  keyTags: 'single',
  createWorld: (prefix, options) =>
    createWorld({ url: seeds, cluster: true, prefix, logger: { warn() {} }, ...options }),
  client: () => cluster.client(),
  keys: (prefix) => cluster.keys(prefix),
  deleteKeys: (prefix) => cluster.deleteKeys(prefix),
});
