/**
 * The server-side reference for the Postgres World: pgbench calling the World's own
 * append_event(), the same PL/pgSQL events.create runs, in a schema migrated by the World's own
 * migrate(). Against it, the World's rate shows what the Node process (the driver, validation,
 * encoding) adds; against `pgbench`'s one INSERT, it shows what the append's rules, fences and
 * entity writes cost on the server.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encodeBinary } from '@worldkit/world';
import { loadMigrations, migrate } from '@worldkit/world-postgres';
import pg from 'pg';
import { dropSchema, postgresUrl, quoteIdentifier, uniqueName, withPostgres } from '../services.js';
import { payload, STEP_NAME, WORKFLOW_NAME } from '../workload.js';
import { requireTool, runPgbench } from './raw.js';
import type { RawAppendSubject } from './types.js';

/** The spec version the World declares, which the workload writes with. */
const SPEC_VERSION = 3;
/** Events per pgbench transaction: one step cycle (created, started, completed). */
const EVENTS_PER_CYCLE = 3;

const hex = (value: unknown) => `'\\x${Buffer.from(encodeBinary(value)).toString('hex')}'::bytea`;

/** The stored bytes the World writes for the workload's events (eventData split from its payload). */
const STEP_DATA = hex({ stepName: STEP_NAME });
const STEP_PAYLOAD = hex(payload());

/** A pgbench client's run: one per client and window (`:window`), so every client appends alone. */
const RUN_ID = `'wrun_bench_' || :window || '_' || :client_id`;

/**
 * One append_event() call with the parameters the World sends for a step event of the workload
 * (no fence, no stateUpdatedAt: step_completed is then external, as the runtime writes it).
 */
function appendCall(schema: string, eventType: string, data: string, stored: string): string {
  const parameters = [
    RUN_ID,
    `'${eventType}'`,
    `'step_' || :step`,
    String(SPEC_VERSION),
    data,
    stored,
    'NULL', // error
    'NULL', // token
    'NULL', // is_webhook
    eventType === 'step_created' ? `'${STEP_NAME}'` : 'NULL',
    'NULL', // resume_at
    'NULL', // retry_after
    'NULL', // deployment_id
    'NULL', // workflow_name
    'NULL', // execution_context
    'NULL', // state_updated_at
    'NULL', // last_known_event_id
    'upper(substr(md5(random()::text), 1, 16))', // 16 base32 characters of randomness
  ];
  return `SELECT * FROM ${schema}.append_event(${parameters.join(', ')});`;
}

/** One step cycle, each append its own transaction (autocommit), as events.create commits. */
const cycleScript = (schema: string) =>
  [
    '\\set step random(1, 9223372036854775806)',
    appendCall(schema, 'step_created', STEP_DATA, STEP_PAYLOAD),
    appendCall(schema, 'step_started', STEP_DATA, 'NULL'),
    appendCall(schema, 'step_completed', STEP_DATA, STEP_PAYLOAD),
  ].join('\n');

interface AppendEventBuild {
  id: string;
  label: string;
  /** The World's migrations folder (`sql/`); the package's own when absent. */
  migrations?: string;
}

const CURRENT: AppendEventBuild = {
  id: 'pgbench-append-event',
  label: 'pgbench (the World’s append_event)',
};

/**
 * `build` names the migrations: this tree's by default, or a baseline's (`--baseline`), so the
 * server-side cost of an append_event() change is measured before and after in one run.
 */
export function pgbenchAppendEventSubject(build: AppendEventBuild = CURRENT): RawAppendSubject {
  let schema: string | undefined;
  let directory: string | undefined;
  let script: string | undefined;
  let window = 0;
  const quoted = () => quoteIdentifier(schema!);

  /** The window's started runs, one per client, created and started through append_event(). */
  const startRuns = (client: pg.Client, clients: number) =>
    client.query(
      `SELECT a.code FROM generate_series(0, $1 - 1) AS c(n),
         LATERAL (SELECT 'wrun_bench_' || $2 || '_' || c.n AS run_id) AS r,
         LATERAL (VALUES ('run_created'), ('run_started')) AS e(event_type),
         LATERAL ${quoted()}.append_event(r.run_id, e.event_type, NULL, ${SPEC_VERSION},
           CASE WHEN e.event_type = 'run_created' THEN $3::bytea END,
           CASE WHEN e.event_type = 'run_created' THEN $4::bytea END,
           NULL, NULL, NULL, NULL, NULL, NULL, 'bench', $5, NULL, NULL, NULL,
           upper(substr(md5(random()::text), 1, 16))) AS a
       WHERE a.row_kind = 'result' AND a.code IS NOT NULL`,
      [
        clients,
        window,
        Buffer.from(encodeBinary({ deploymentId: 'bench', workflowName: WORKFLOW_NAME })),
        Buffer.from(encodeBinary(payload())),
        WORKFLOW_NAME,
      ],
    );

  return {
    kind: 'raw',
    id: build.id,
    label: build.label,
    backend: 'postgres',
    family: 'raw',
    describe: () =>
      `pgbench -n -M prepared -T <max(2, window) s> -c <clients> -j <min(clients,2)> -D window=<n> ` +
      `-f cycle.sql, into a schema migrated by @worldkit/world-postgres's migrate(), each client ` +
      `on its own started run (run_created + run_started, made before the window); rate = ` +
      `transactions × ${EVENTS_PER_CYCLE}; cycle.sql is\n${cycleScript('<schema>')}`,
    async prepare() {
      await requireTool('pgbench');
      schema = uniqueName('pgbench_append_event');
      const pool = new pg.Pool({ connectionString: postgresUrl(), max: 1 });
      try {
        await migrate(pool, schema, loadMigrations(build.migrations));
      } finally {
        await pool.end();
      }
      directory = await mkdtemp(path.join(tmpdir(), 'bench-pgbench-append-event-'));
      script = path.join(directory, 'cycle.sql');
      await writeFile(script, `${cycleScript(quoted())}\n`);
    },
    async appendRate(clients, windowMs) {
      window++;
      await withPostgres(async (client) => {
        const refused = await startRuns(client, clients);
        if (refused.rowCount) throw new Error(`a run was refused: ${refused.rows[0].code}`);
      });
      const { tps, transactions } = await runPgbench(script!, clients, windowMs, { window });
      // A refusal is a result row, not an error: check that every append of the window landed.
      const stored = await withPostgres(async (client) => {
        const { rows } = await client.query<{ count: string }>(
          `SELECT count(*) FROM ${quoted()}.events WHERE run_id LIKE $1`,
          [`wrun\\_bench\\_${window}\\_%`],
        );
        return Number(rows[0]!.count);
      });
      const expected = clients * 2 + transactions * EVENTS_PER_CYCLE;
      if (stored !== expected) {
        throw new Error(
          `pgbench's appends were refused: ${stored} events stored, ${expected} sent`,
        );
      }
      return tps * EVENTS_PER_CYCLE;
    },
    async dispose() {
      if (schema) await dropSchema(schema);
      if (directory) await rm(directory, { recursive: true, force: true });
    },
  };
}
