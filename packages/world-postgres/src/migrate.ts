import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WorkflowWorldError } from '@worldkit/world';
import type pg from 'pg';
import { quoteIdent } from './pool.js';

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
  /**
   * A repeatable migration (`sql/repeatable/`, generated code such as the rule functions) is
   * applied after the numbered ones, and again whenever its contents change; a numbered one is
   * applied once and must never change.
   */
  repeatable: boolean;
}

/** The SQL files shipped with the package (`sql/`), in the order they apply. */
export function loadMigrations(directory = defaultMigrationsDirectory()): Migration[] {
  return [
    ...sqlFiles(directory, /^\d{4}_[a-z0-9_]+\.sql$/, '', false),
    ...sqlFiles(`${directory}/repeatable`, /^[a-z0-9_]+\.sql$/, 'repeatable/', true),
  ];
}

function sqlFiles(directory: string, pattern: RegExp, prefix: string, repeatable: boolean) {
  return readdirSync(directory)
    .filter((file) => pattern.test(file))
    .sort()
    .map((file): Migration => {
      const sql = readFileSync(`${directory}/${file}`, 'utf8');
      const checksum = createHash('sha256').update(sql).digest('hex');
      return { name: `${prefix}${file}`, sql, checksum, repeatable };
    });
}

function defaultMigrationsDirectory(): string {
  // src/migrate.ts and dist/*.js both sit one level below the package root.
  return fileURLToPath(new URL('../sql', import.meta.url));
}

export interface MigrationStatus {
  applied: string[];
  pending: string[];
}

/** Which migrations the schema has, without taking any lock. */
export async function migrationStatus(
  db: pg.Pool | pg.ClientBase,
  schema: string,
  migrations = loadMigrations(),
): Promise<MigrationStatus> {
  const found = await db.query<{ exists: boolean }>(
    `SELECT to_regclass($1) IS NOT NULL AS exists`,
    [`${quoteIdent(schema)}.schema_migrations`],
  );
  if (!found.rows[0]?.exists) return { applied: [], pending: migrations.map((m) => m.name) };
  const { rows } = await db.query<{ name: string; checksum: string }>(
    `SELECT name, checksum FROM ${quoteIdent(schema)}.schema_migrations ORDER BY name`,
  );
  const applied = new Map(rows.map((row) => [row.name, row.checksum]));
  const current = (m: Migration) => applied.get(m.name) === m.checksum;
  for (const migration of migrations) {
    const checksum = applied.get(migration.name);
    if (!migration.repeatable && checksum !== undefined && checksum !== migration.checksum) {
      throw new WorkflowWorldError(
        `migration ${migration.name} in schema "${schema}" was applied with different contents (checksum ${checksum}, this package has ${migration.checksum}): the schema belongs to another version of @worldkit/world-postgres`,
        { status: 500, code: 'MIGRATION_MISMATCH' },
      );
    }
  }
  return {
    applied: migrations.filter(current).map((m) => m.name),
    pending: migrations.filter((m) => !current(m)).map((m) => m.name),
  };
}

/**
 * Applies pending migrations to `schema`, each in its own transaction, under a session advisory
 * lock per schema: any number of processes may call this at once and each migration runs exactly
 * once. Returns the names applied by this call.
 */
export async function migrate(
  pool: pg.Pool,
  schema: string,
  migrations = loadMigrations(),
): Promise<string[]> {
  const client = await pool.connect();
  const lockKey = `worldkit-postgres:migrate:${schema}`;
  const applied: string[] = [];
  let broken = false;
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [lockKey]);
    try {
      // CREATE SCHEMA needs the CREATE privilege on the database even when the schema exists:
      // it is skipped for a schema made beforehand, so its owner can migrate without that right.
      const found = await client.query<{ exists: boolean }>(
        'SELECT to_regnamespace($1) IS NOT NULL AS exists',
        [quoteIdent(schema)],
      );
      if (!found.rows[0]?.exists) {
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`).catch((error) => {
          throw schemaCreationError(schema, error);
        });
      }
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${quoteIdent(schema)}.schema_migrations (
           name text PRIMARY KEY,
           checksum text NOT NULL,
           applied_at timestamptz NOT NULL DEFAULT now()
         )`,
      );
      const status = await migrationStatus(client, schema, migrations);
      for (const migration of migrations) {
        if (!status.pending.includes(migration.name)) continue;
        await client.query('BEGIN');
        try {
          // Functions pin this search_path (SET search_path FROM CURRENT).
          await client.query(`SET LOCAL search_path TO ${quoteIdent(schema)}`);
          await client.query(migration.sql);
          await client.query(
            `INSERT INTO ${quoteIdent(schema)}.schema_migrations (name, checksum) VALUES ($1, $2)
             ON CONFLICT (name) DO UPDATE SET checksum = excluded.checksum, applied_at = now()`,
            [migration.name, migration.checksum],
          );
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => {});
          throw new WorkflowWorldError(
            `migration ${migration.name} failed in schema "${schema}": ${(error as Error).message}`,
            { status: 500, code: 'MIGRATION_FAILED', cause: error },
          );
        }
        applied.push(migration.name);
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]).catch(() => {
        broken = true;
      });
    }
  } catch (error) {
    broken = true;
    throw error;
  } finally {
    // A connection whose state is uncertain is discarded, never returned to the pool.
    client.release(broken);
  }
  return applied;
}

function schemaCreationError(schema: string, error: unknown): unknown {
  if ((error as { code?: unknown }).code !== '42501') return error;
  return new WorkflowWorldError(
    `cannot create schema "${schema}" (${(error as Error).message}): grant the migrating role CREATE on the database, or create the schema beforehand owned by that role (CREATE SCHEMA ${quoteIdent(schema)} AUTHORIZATION <role>)`,
    { status: 500, code: 'MIGRATION_FAILED', cause: error },
  );
}
