import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const DATABASE_URL =
  process.env.WORKFLOW_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A fresh schema name per test file or case, so suites run in parallel without sharing data. */
export function randomSchema(): string {
  return `wk_test_${randomBytes(6).toString('hex')}`;
}

/** An admin connection for setup, inspection and cleanup; fails with what to start. */
export async function adminClient(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${DATABASE_URL} (${(error as Error).message}): start it (e.g. pg_ctlcluster 15 main start) or set WORKFLOW_POSTGRES_URL`,
    );
  }
  return client;
}

export async function dropSchema(schema: string): Promise<void> {
  const client = await adminClient();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
