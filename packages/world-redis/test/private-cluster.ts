import { spawnSync } from 'node:child_process';
import { waitFor } from '@worldkit/world-testing';
import { Cluster } from 'ioredis';
import { PrivateRedis } from './private-redis.js';

/** A Redis Cluster of three primaries of the test's own, on free ports. */
export class PrivateCluster {
  private constructor(private readonly nodes: PrivateRedis[]) {}

  static async start(): Promise<PrivateCluster> {
    const nodes: PrivateRedis[] = [];
    for (let i = 0; i < 3; i++) {
      nodes.push(
        await PrivateRedis.start([
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          'nodes.conf',
        ]),
      );
    }
    const cluster = new PrivateCluster(nodes);
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
    const probe = new Cluster(cluster.seeds());
    await waitFor(
      async () =>
        ((await probe.cluster('INFO')) as string).includes('cluster_state:ok') || undefined,
      { what: 'the cluster to form' },
    );
    probe.disconnect();
    return cluster;
  }

  /** The seed nodes as the World's `url` takes them. */
  get url(): string {
    return this.nodes.map((node) => node.url).join(',');
  }

  private seeds() {
    return this.nodes.map((node) => ({ host: '127.0.0.1', port: node.port }));
  }

  /** A cluster client that has loaded the slot map, so `nodes('master')` lists every primary. */
  async client(): Promise<Cluster> {
    const client = new Cluster(this.seeds());
    await client.ping();
    return client;
  }

  /** Every key under a prefix, from every primary. */
  async keys(prefix: string): Promise<string[]> {
    const client = await this.client();
    try {
      const keys: string[] = [];
      for (const node of client.nodes('master')) {
        let cursor = '0';
        do {
          const [next, found] = await node.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
          cursor = next;
          keys.push(...found);
        } while (cursor !== '0');
      }
      return keys;
    } finally {
      client.disconnect();
    }
  }

  async deleteKeys(prefix: string): Promise<void> {
    const client = await this.client();
    try {
      for (const key of await this.keys(prefix)) await client.unlink(key);
    } finally {
      client.disconnect();
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.stop()));
  }
}
