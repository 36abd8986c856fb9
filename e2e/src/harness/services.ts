import IORedis from 'ioredis';
import pg from 'pg';

export const postgresUrl = () =>
  process.env.WORKFLOW_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const redisUrl = () => process.env.WORKFLOW_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Runs `work` with a PostgreSQL client, failing with what to start when the server is down. */
export async function withPostgres<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: postgresUrl(), connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${postgresUrl()} (${(error as Error).message}). ` +
        'Start it (e.g. `pg_ctlcluster 15 main start`) or set WORKFLOW_POSTGRES_URL.',
    );
  }
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Runs `work` with a Redis client, failing with what to start when the server is down. */
export async function withRedis<T>(work: (client: IORedis) => Promise<T>): Promise<T> {
  const client = new IORedis(redisUrl(), {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw new Error(
      `Redis is not reachable at ${redisUrl()} (${(error as Error).message}). ` +
        'Start it (e.g. `redis-server --daemonize yes`) or set WORKFLOW_REDIS_URL.',
    );
  }
  try {
    return await work(client);
  } finally {
    client.disconnect();
  }
}

/** Deletes every Redis key under a prefix, in batches. */
export async function deleteRedisPrefix(client: IORedis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await client.unlink(...keys);
  } while (cursor !== '0');
}
