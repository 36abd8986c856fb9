/**
 * The machine's PostgreSQL and Redis, as the tests use them: URLs from the environment with the
 * loopback defaults, short-lived admin connections, and names unique to this bench process so a
 * bench never touches anyone else's data.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';

export const postgresUrl = (): string =>
  process.env.WORKFLOW_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export const redisUrl = (): string => process.env.WORKFLOW_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * A lowercase identifier safe as a Postgres schema or database name and in a Redis key, short
 * enough for every World's limits (at most 48 characters): `bench_`, the label cut to 28
 * characters, and a suffix unique to this process and call.
 */
export function uniqueName(label: string): string {
  const slug = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 28);
  return `bench_${slug}_${process.pid.toString(36)}${randomBytes(3).toString('hex')}`;
}

/** `url` with its database path replaced, for per-subject databases. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** `url` with its Redis logical database number replaced. */
export function withRedisDb(url: string, db: number): string {
  const parsed = new URL(url);
  parsed.pathname = `/${db}`;
  return parsed.toString();
}

export async function withPostgres<T>(
  use: (client: pg.Client) => Promise<T>,
  url = postgresUrl(),
): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${url} (${(error as Error).message}): start it ` +
        '(e.g. `pg_ctlcluster 15 main start`) or set WORKFLOW_POSTGRES_URL',
    );
  }
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

export async function withRedis<T>(
  use: (client: Redis) => Promise<T>,
  url = redisUrl(),
): Promise<T> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw new Error(
      `Redis is not reachable at ${url} (${(error as Error).message}): start it ` +
        '(e.g. `redis-server --daemonize yes`) or set WORKFLOW_REDIS_URL',
    );
  }
  try {
    return await use(client);
  } finally {
    client.disconnect();
  }
}

/** Deletes every key matching `pattern` (a SCAN glob) without blocking the server. */
export async function deleteRedisKeys(client: Redis, pattern: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await client.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

export const quoteIdentifier = (name: string): string => `"${name.replace(/"/g, '""')}"`;

export async function dropDatabase(name: string): Promise<void> {
  await withPostgres((client) =>
    client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`),
  );
}

export async function dropSchema(name: string): Promise<void> {
  await withPostgres((client) =>
    client.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(name)} CASCADE`),
  );
}
