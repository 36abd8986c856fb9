import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createWorld } from '../src/index.js';
import { adminClient, DATABASE_URL, dropSchema, randomSchema } from './helpers.js';

const cli = fileURLToPath(new URL('../dist/cli.cjs', import.meta.url));

/** The environment without any connection setting, so only what a test adds is configured. */
function withoutConnectionSettings(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env)) {
    if (/^PG[A-Z]+$/.test(name)) delete env[name];
  }
  delete env.WORKFLOW_POSTGRES_URL;
  delete env.DATABASE_URL;
  // libpq's default user name.
  delete env.USER;
  return env;
}

function run(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

// Each case starts the CLI in a Node process: on a loaded machine that alone can take seconds.
describe('worldkit-postgres', { timeout: 60_000 }, () => {
  const schema = randomSchema();
  afterAll(() => dropSchema(schema));

  it.each(['--help', '-h', 'help', 'migrate --help'])(
    '`worldkit-postgres %s` prints the usage on stdout and exits 0',
    async (line) => {
      const { code, stdout, stderr } = await run(line.split(' '));
      expect(stdout).toContain('Usage: worldkit-postgres <command>');
      expect(stdout).toContain('prune --older-than <age>');
      expect(stderr).toBe('');
      expect(code).toBe(0);
    },
  );

  it('an unknown command prints the usage on stderr and exits 2', async () => {
    const { code, stdout, stderr } = await run(['bogus']);
    expect(stderr).toContain('unknown command bogus');
    expect(stderr).toContain('Usage: worldkit-postgres <command>');
    expect(stdout).toBe('');
    expect(code).toBe(2);
  });

  it('migrate without a connection string names the variables to set', async () => {
    // The test server, reached through libpq's defaults with no user name at all.
    const server = new URL(DATABASE_URL);
    const { code, stdout, stderr } = await run(['migrate'], {
      ...withoutConnectionSettings(),
      PGHOST: server.hostname,
      PGPORT: server.port || '5432',
    });
    expect(stderr).toContain('cannot log in to PostgreSQL at');
    expect(stderr).toContain('WORKFLOW_POSTGRES_URL');
    expect(stderr).toContain('DATABASE_URL');
    expect(stdout).toBe('');
    expect(code).toBe(1);
  });

  it('migrate --url applies the migrations, and status lists them', async () => {
    const migrated = await run(['migrate', '--url', DATABASE_URL, '--schema', schema]);
    expect(migrated.stdout).toContain(`applied to schema "${schema}"`);
    expect(migrated.code).toBe(0);
    const status = await run(['status', '--url', DATABASE_URL, '--schema', schema]);
    expect(status.stdout).toMatch(/^applied {2}0001_storage\.sql$/m);
    expect(status.stdout).not.toContain('pending');
    expect(status.code).toBe(0);
  });

  it('prune --dry-run lists the finished runs older than the age, and prune deletes them', async () => {
    const world = createWorld({ connectionString: DATABASE_URL, schema });
    const admin = await adminClient();
    try {
      const created = await world.events.create(null, {
        eventType: 'run_created',
        eventData: { deploymentId: 'd', workflowName: 'wf', input: new Uint8Array([1]) },
      });
      const runId = created.run!.runId;
      await world.events.create(runId, { eventType: 'run_cancelled' });
      await admin.query(
        `UPDATE "${schema}".runs SET completed_at = completed_at - interval '3 days' WHERE run_id = $1`,
        [runId],
      );
      const connection = ['--url', DATABASE_URL, '--schema', schema];

      const dry = await run(['prune', '--older-than', '2d', '--dry-run', ...connection]);
      expect(dry.stdout).toMatch(/^would delete 1 run\(s\) finished before \S+Z$/m);
      expect(dry.stdout).toContain(`\n${runId}\n`);
      expect(dry.code).toBe(0);
      await expect(world.runs.get(runId)).resolves.toMatchObject({ status: 'cancelled' });

      const pruned = await run(['prune', ...connection, '--older-than', '2d', '--batch-size', '5']);
      expect(pruned.stdout).toMatch(/^deleted 1 run\(s\) finished before /);
      expect(pruned.code).toBe(0);
      const { rows } = await admin.query(
        `SELECT count(*)::int AS n FROM "${schema}".events WHERE run_id = $1`,
        [runId],
      );
      expect(rows[0].n).toBe(0);
      await expect(world.runs.get(runId)).rejects.toMatchObject({
        name: 'WorkflowRunNotFoundError',
      });
    } finally {
      await admin.end();
      await world.close();
    }
  });

  it('prune without --older-than prints its usage on stderr and exits 2', async () => {
    const { code, stdout, stderr } = await run(['prune', '--url', DATABASE_URL]);
    expect(stderr).toContain('prune needs --older-than');
    expect(stderr).toContain('Usage: prune --older-than <age>');
    expect(stdout).toBe('');
    expect(code).toBe(2);
  });

  it('prune never migrates: a schema not migrated yet says to run migrate', async () => {
    const unmigrated = randomSchema();
    const { code, stdout, stderr } = await run([
      'prune',
      '--older-than',
      '30d',
      '--url',
      DATABASE_URL,
      '--schema',
      unmigrated,
    ]);
    expect(stderr).toContain(`schema "${unmigrated}" is missing or not fully migrated`);
    expect(stderr).toContain('worldkit-postgres migrate');
    expect(stdout).toBe('');
    expect(code).toBe(1);
    const admin = await adminClient();
    try {
      const { rows } = await admin.query('SELECT to_regnamespace($1) AS found', [unmigrated]);
      expect(rows[0].found).toBeNull();
    } finally {
      await admin.end();
    }
  });
});
