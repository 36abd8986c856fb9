/**
 * `@workflow/world-postgres` 4.3.7 lives in a fixed `workflow` schema (plus graphile-worker's), so
 * each instance gets its own database. The package's bootstrap (drizzle migrations and the
 * graphile-worker schema; `start()` does not migrate) runs once into a template database, and every
 * instance is a copy of it: a fast `CREATE DATABASE … TEMPLATE`.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import {
  dropDatabase,
  postgresUrl,
  quoteIdentifier,
  uniqueName,
  withDatabase,
  withPostgres,
} from '../services.js';
import { loadWorldFactory } from './load.js';
import { opened } from './opened.js';
import type { OpenOptions, RuntimeTarget } from './types.js';

const require = createRequire(import.meta.url);
const entry = require.resolve('@workflow/world-postgres');
const packageDirectory = path.resolve(path.dirname(entry), '..');

let template: string | undefined;

export async function upstreamPostgresPrepare(): Promise<void> {
  if (template) return;
  const name = uniqueName('up_pg_template');
  await withPostgres((client) => client.query(`CREATE DATABASE ${quoteIdentifier(name)}`));
  try {
    await promisify(execFile)(process.execPath, [path.join(packageDirectory, 'bin/setup.js')], {
      env: { ...process.env, WORKFLOW_POSTGRES_URL: withDatabase(postgresUrl(), name) },
    });
  } catch (error) {
    await dropDatabase(name);
    throw new Error(`@workflow/world-postgres bootstrap failed: ${(error as Error).message}`);
  }
  template = name;
}

export async function upstreamPostgresDispose(): Promise<void> {
  if (!template) return;
  await dropDatabase(template);
  template = undefined;
}

/** A new database holding the bootstrapped, empty upstream schema. */
async function freshDatabase(label: string): Promise<{ url: string; drop(): Promise<void> }> {
  await upstreamPostgresPrepare();
  const name = uniqueName(label);
  await withPostgres((client) =>
    client.query(`CREATE DATABASE ${quoteIdentifier(name)} TEMPLATE ${quoteIdentifier(template!)}`),
  );
  return { url: withDatabase(postgresUrl(), name), drop: () => dropDatabase(name) };
}

export async function upstreamPostgresOpen({ label }: OpenOptions) {
  const create = await loadWorldFactory('@workflow/world-postgres', 'createWorld');
  const database = await freshDatabase(`up_pg_${label}`);
  // Our own pool (the World never ends a pool it was given): its idle clients are terminated
  // when the database is dropped, and an unhandled pool error would end the whole bench.
  const pool = new pg.Pool({ connectionString: database.url, max: 10 });
  pool.on('error', () => {});
  // Its deliveries read WORKFLOW_LOCAL_BASE_URL at delivery time; the factory has no option.
  return opened(create({ pool, queueConcurrency: 10 }), async () => {
    await pool.end();
    await database.drop();
  });
}

export const upstreamPostgresRuntime: RuntimeTarget = {
  name: 'upstream-postgres',
  // An absolute path: the e2e app resolves WORKFLOW_TARGET_WORLD from its own directory.
  module: entry,
  multiProcess: true,
  async provision(label) {
    const database = await freshDatabase(`rt_up_pg_${label}`);
    return { env: { WORKFLOW_POSTGRES_URL: database.url }, cleanup: database.drop };
  },
};
