import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export const REDIS_URL = process.env.WORKFLOW_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A fresh key prefix per test, so suites run in parallel on one server. */
export function testPrefix(label = 'test'): string {
  return `wktest-${label}-${randomBytes(4).toString('hex')}`;
}

/** Fails with a message saying what to start when the server does not answer. */
export async function assertRedisReachable(url = REDIS_URL): Promise<void> {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => {});
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

/** Deletes every key under a prefix (SCAN + UNLINK). */
export async function deleteKeys(prefix: string, url = REDIS_URL): Promise<void> {
  const client = new Redis(url, { lazyConnect: true });
  client.on('error', () => {});
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await client.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    await client.quit().catch(() => client.disconnect());
  }
}

/** Polls until `check` returns a value other than undefined (or throws after `timeoutMs`). */
export async function waitFor<T>(
  check: () => T | undefined | Promise<T | undefined>,
  { timeoutMs = 10_000, intervalMs = 10, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
