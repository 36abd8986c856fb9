/**
 * `@workflow/world-postgres` (4.3.7, and 5.0.0-beta.27 for the 5.x line) lives in a fixed
 * `workflow` schema (plus graphile-worker's), so each instance gets its own database. The
 * package's bootstrap (drizzle migrations and the graphile-worker schema; `start()` does not
 * migrate) runs once into a template database, and every instance is a copy of it: a fast
 * `CREATE DATABASE … TEMPLATE`.
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
import type { OpenedWorld, OpenOptions, RuntimeTarget } from './types.js';

const require = createRequire(import.meta.url);

export interface UpstreamPostgresPackage {
  prepare(): Promise<void>;
  dispose(): Promise<void>;
  open(options: OpenOptions): Promise<OpenedWorld>;
  runtime: RuntimeTarget;
}

/**
 * One installed version of the package (`packageName` as bench/package.json names it) for the
 * subject `id`, with a template of its own: each version's bootstrap makes its own schema.
 * `databasePrefix` names the databases, so leftovers are traceable.
 */
export function upstreamPostgresPackage({
  id,
  packageName,
  databasePrefix,
}: {
  id: string;
  packageName: string;
  databasePrefix: string;
}): UpstreamPostgresPackage {
  // Resolved on first use: a package that is not installed fails its subject, not the bench.
  const entry = () => require.resolve(packageName);
  let template: string | undefined;

  async function prepare(): Promise<void> {
    if (template) return;
    const candidate = uniqueName(`${databasePrefix}_template`);
    const setup = path.resolve(path.dirname(entry()), '..', 'bin/setup.js');
    await withPostgres((client) => client.query(`CREATE DATABASE ${quoteIdentifier(candidate)}`));
    try {
      await promisify(execFile)(process.execPath, [setup], {
        env: { ...process.env, WORKFLOW_POSTGRES_URL: withDatabase(postgresUrl(), candidate) },
      });
    } catch (error) {
      await dropDatabase(candidate);
      throw new Error(`${packageName} bootstrap failed: ${(error as Error).message}`);
    }
    template = candidate;
  }

  async function dispose(): Promise<void> {
    if (!template) return;
    await dropDatabase(template);
    template = undefined;
  }

  /** A new database holding the bootstrapped, empty upstream schema. */
  async function freshDatabase(label: string): Promise<{ url: string; drop(): Promise<void> }> {
    await prepare();
    const database = uniqueName(label);
    await withPostgres((client) =>
      client.query(
        `CREATE DATABASE ${quoteIdentifier(database)} TEMPLATE ${quoteIdentifier(template!)}`,
      ),
    );
    return { url: withDatabase(postgresUrl(), database), drop: () => dropDatabase(database) };
  }

  async function open({ label }: OpenOptions): Promise<OpenedWorld> {
    const create = await loadWorldFactory(packageName, 'createWorld');
    const database = await freshDatabase(`${databasePrefix}_${label}`);
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

  const runtime: RuntimeTarget = {
    name: id,
    // An absolute path: the e2e app resolves WORKFLOW_TARGET_WORLD from its own directory.
    get module() {
      return entry();
    },
    multiProcess: true,
    async provision(label) {
      const database = await freshDatabase(`rt_${databasePrefix}_${label}`);
      return { env: { WORKFLOW_POSTGRES_URL: database.url }, cleanup: database.drop };
    },
  };

  return { prepare, dispose, open, runtime };
}
