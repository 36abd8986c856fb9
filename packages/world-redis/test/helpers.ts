import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export const REDIS_URL = process.env.WORKFLOW_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A fresh key prefix per test, so suites run in parallel on one server. */
export function testPrefix(label = 'test'): string {
  return `wktest-${label}-${randomBytes(4).toString('hex')}`;
}

/** A client that connects only when asked and fails at once, instead of retrying, if it cannot. */
export function failFastClient(url: string): Redis {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => {});
  return client;
}

/** Fails with a message saying what to start when the server does not answer. */
export async function assertRedisReachable(url = REDIS_URL): Promise<void> {
  const client = failFastClient(url);
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    throw new Error(
      `Redis is not reachable at ${url} (${(error as Error).message}). Start one with ` +
        '`redis-server --port 6379` or set WORKFLOW_REDIS_URL.',
    );
  } finally {
    client.disconnect();
  }
}

/** Every key under a prefix (SCAN). */
export async function scanKeys(prefix: string, url = REDIS_URL): Promise<string[]> {
  const client = new Redis(url, { lazyConnect: true });
  client.on('error', () => {});
  try {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...found);
    } while (cursor !== '0');
    return keys;
  } finally {
    await client.quit().catch(() => client.disconnect());
  }
}

/** Deletes every key under a prefix (SCAN + UNLINK). */
export async function deleteKeys(prefix: string, url = REDIS_URL): Promise<void> {
  const keys = await scanKeys(prefix, url);
  if (keys.length === 0) return;
  const client = new Redis(url, { lazyConnect: true });
  client.on('error', () => {});
  try {
    for (let i = 0; i < keys.length; i += 1000) await client.unlink(...keys.slice(i, i + 1000));
  } finally {
    await client.quit().catch(() => client.disconnect());
  }
}
