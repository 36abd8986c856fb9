import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, loadMigrations, migrate } from '../src/index.js';
import { adminClient, DATABASE_URL, dropSchema, randomSchema } from './helpers.js';
import { dumpSchema } from './schema-dump.js';

const SNAPSHOT = fileURLToPath(new URL('./schema.snapshot.txt', import.meta.url));
const schemas: string[] = [];
let admin: pg.Client;

function newSchema(): string {
  const schema = randomSchema();
  schemas.push(schema);
  return schema;
}

beforeAll(async () => {
  admin = await adminClient();
});

afterAll(async () => {
  await admin.end();
  for (const schema of schemas) await dropSchema(schema);
});

describe('migrations', () => {
  it('apply exactly once when many processes start at the same time', async () => {
    const schema = newSchema();
    const pools = Array.from(
      { length: 6 },
      () => new pg.Pool({ connectionString: DATABASE_URL, max: 2 }),
    );
    try {
      const applied = await Promise.all(pools.map((pool) => migrate(pool, schema)));
      const all = loadMigrations().map((m) => m.name);
      expect(applied.flat().sort()).toEqual(all);
      expect(applied.filter((names) => names.length > 0)).toHaveLength(1);
      const { rows } = await admin.query(
        `SELECT name FROM "${schema}".schema_migrations ORDER BY name`,
      );
      expect(rows.map((row) => row.name)).toEqual(all);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });

  it('build the committed schema snapshot', async () => {
    const schema = newSchema();
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
    try {
      await migrate(pool, schema);
    } finally {
      await pool.end();
    }
    const dump = await dumpSchema(admin, schema);
    // After a deliberate schema change: UPDATE_SCHEMA_SNAPSHOT=1 pnpm test, then review the diff.
    if (process.env.UPDATE_SCHEMA_SNAPSHOT === '1') writeFileSync(SNAPSHOT, dump);
    expect(existsSync(SNAPSHOT), `${SNAPSHOT} is missing`).toBe(true);
    expect(dump).toBe(readFileSync(SNAPSHOT, 'utf8'));
  });

  it('refuse a schema migrated from different migration contents', async () => {
    const schema = newSchema();
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
    try {
      await migrate(pool, schema);
      await admin.query(
        `UPDATE "${schema}".schema_migrations SET checksum = 'edited' WHERE name = $1`,
        [loadMigrations()[0]!.name],
      );
      await expect(migrate(pool, schema)).rejects.toThrow(/applied with different contents/);
    } finally {
      await pool.end();
    }
  });

  it('apply a repeatable migration again when its contents change, and only then', async () => {
    const schema = newSchema();
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
    try {
      await migrate(pool, schema);
      expect(await migrate(pool, schema)).toEqual([]);
      const repeatable = loadMigrations().filter((m) => m.repeatable);
      expect(repeatable.map((m) => m.name)).toContain('repeatable/event_rules.sql');
      // A schema migrated by an earlier version of the generated rules.
      await admin.query(
        `UPDATE "${schema}".schema_migrations SET checksum = 'earlier' WHERE name = $1`,
        ['repeatable/event_rules.sql'],
      );
      expect(await migrate(pool, schema)).toEqual(['repeatable/event_rules.sql']);
      expect(await migrate(pool, schema)).toEqual([]);
    } finally {
      await pool.end();
    }
  });

  it('run on first use, and say what to run when automatic migration is off', async () => {
    const schema = newSchema();
    const manual = createWorld({ connectionString: DATABASE_URL, schema, migrate: false });
    try {
      await expect(manual.runs.get('wrun_missing')).rejects.toThrow(/worldkit-postgres migrate/);
    } finally {
      await manual.close();
    }
    const automatic = createWorld({ connectionString: DATABASE_URL, schema });
    try {
      await expect(automatic.runs.get('wrun_missing')).rejects.toMatchObject({
        name: 'WorkflowRunNotFoundError',
      });
    } finally {
      await automatic.close();
    }
  });

  it('say how a role without CREATE on the database can migrate, and migrate as the owner of a schema made beforehand', async () => {
    const schema = newSchema();
    const role = `${schema}_owner`;
    await admin.query(`CREATE ROLE "${role}"`);
    // Every connection of this pool acts as the role, with only the role's privileges.
    const pool = new pg.Pool({
      connectionString: DATABASE_URL,
      max: 1,
      options: `-c role=${role}`,
    });
    try {
      const refused = await migrate(pool, schema).catch((error: unknown) => error);
      expect(refused).toMatchObject({ code: 'MIGRATION_FAILED' });
      expect((refused as Error).message).toContain(`CREATE SCHEMA "${schema}" AUTHORIZATION`);
      await admin.query(`CREATE SCHEMA "${schema}" AUTHORIZATION "${role}"`);
      const applied = await migrate(pool, schema);
      expect(applied).toEqual(loadMigrations().map((m) => m.name));
    } finally {
      await pool.end();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.query(`DROP ROLE "${role}"`);
    }
  });

  it('say what to set when the server cannot be reached', async () => {
    const unreachable = createWorld({
      connectionString: 'postgres://postgres@127.0.0.1:1/nowhere',
      schema: newSchema(),
    });
    try {
      const error = await unreachable.runs.get('wrun_x').catch((caught: unknown) => caught);
      expect(error).toMatchObject({ name: 'WorkflowWorldError', status: 503, code: 'TRANSPORT' });
      expect((error as Error).message).toMatch(/127\.0\.0\.1:1.*WORKFLOW_POSTGRES_URL/);
    } finally {
      await unreachable.close();
    }
  });

  it('say what to check when the server refuses the login', async () => {
    const url = new URL(DATABASE_URL);
    url.pathname = '/worldkit_no_such_database';
    const refused = createWorld({ connectionString: url.href, schema: newSchema() });
    try {
      const error = await refused.runs.get('wrun_x').catch((caught: unknown) => caught);
      expect(error).toMatchObject({ name: 'WorkflowWorldError', code: 'LOGIN_FAILED' });
      expect((error as Error).message).toContain('worldkit_no_such_database');
      expect((error as Error).message).toContain('WORKFLOW_POSTGRES_URL');
    } finally {
      await refused.close();
    }
  });

  it('keep the factory cheap: no connection before first use', async () => {
    // A TCP listener standing in for the server counts connection attempts.
    let attempts = 0;
    const server = createServer((socket) => {
      attempts++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const connectionString = `postgres://postgres@127.0.0.1:${port}/db`;
    try {
      const world = createWorld({ connectionString, schema: newSchema() });
      const again = createWorld({ connectionString, schema: newSchema() });
      const detached = again.createQueueHandler;
      expect(typeof detached('__wkf_step_', async () => {})).toBe('function');
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(attempts).toBe(0);
      await expect(world.runs.get('wrun_x')).rejects.toMatchObject({ code: 'TRANSPORT' });
      expect(attempts).toBeGreaterThan(0);
      await world.close();
      await again.close();
    } finally {
      server.close();
    }
  });
});
