#!/usr/bin/env node
import { PRUNE_USAGE, runCommandLine, runPruneCommand, usageFailure } from '@worldkit/world';
import { type ResolvedConfig, resolveConfig } from './config.js';
import { Database } from './database.js';
import { describeTarget, translateError } from './errors.js';
import { migrate, migrationStatus } from './migrate.js';
import { acquirePool } from './pool.js';
import { pruneRuns } from './prune.js';

const USAGE = `Usage: worldkit-postgres <command> [--url <connection string>] [--schema <name>]

Commands:
  migrate   apply pending migrations (safe to run from many processes at once)
  status    list applied and pending migrations
  ${PRUNE_USAGE}
  help      print this help (also -h, --help)

The connection string defaults to WORKFLOW_POSTGRES_URL, then DATABASE_URL, then libpq's PG*
variables; the schema to WORKFLOW_POSTGRES_SCHEMA, then "worldkit".`;

type Connection = { connectionString?: string; schema?: string };

async function main(argv: string[]): Promise<number> {
  // Help is asked for, not a mistake: it goes to stdout with exit code 0.
  if (argv[0] === 'help' || argv.some((arg) => arg === '-h' || arg === '--help')) {
    console.log(USAGE);
    return 0;
  }
  const [command, ...rest] = argv;
  const { connection, others, problem } = connectionFlags(rest);
  if (problem !== undefined) return usage(problem);
  if (command !== 'migrate' && command !== 'status' && command !== 'prune') {
    return usage(command === undefined ? undefined : `unknown command ${command}`);
  }
  // prune's own flags are read by runPruneCommand; migrate and status have none.
  if (command !== 'prune' && others.length > 0) return usage(`unknown option ${others[0]}`);
  const config = resolveConfig({ ...connection, maxPoolSize: 1 });
  try {
    if (command === 'prune') return await prune(others, config);
    await migrations(command, config);
    return 0;
  } catch (error) {
    const translated = translateError(error, config);
    console.error((translated as Error).message ?? String(translated));
    return 1;
  }
}

/** `--url <value>` and `--schema <value>`, apart from the other arguments. */
function connectionFlags(args: string[]): {
  connection: Connection;
  others: string[];
  problem?: string;
} {
  const connection: Connection = {};
  const others: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const flag = args[i]!;
    if (flag !== '--url' && flag !== '--schema') {
      others.push(flag);
      continue;
    }
    const value = args[++i];
    if (value === undefined) return { connection, others, problem: `missing value for ${flag}` };
    if (flag === '--url') connection.connectionString = value;
    else connection.schema = value;
  }
  return { connection, others };
}

async function migrations(command: 'migrate' | 'status', config: ResolvedConfig): Promise<void> {
  const lease = acquirePool(config);
  try {
    if (command === 'migrate') {
      const applied = await migrate(lease.pool, config.schema);
      console.log(
        applied.length === 0
          ? `schema "${config.schema}" in ${describeTarget(config)} is up to date`
          : `applied to schema "${config.schema}" in ${describeTarget(config)}: ${applied.join(', ')}`,
      );
    } else {
      const status = await migrationStatus(lease.pool, config.schema);
      for (const name of status.applied) console.log(`applied  ${name}`);
      for (const name of status.pending) console.log(`pending  ${name}`);
    }
  } finally {
    await lease.release();
  }
}

/** Never migrates: a schema that is missing or behind is reported with what to run. */
async function prune(args: string[], config: ResolvedConfig): Promise<number> {
  const db = new Database({ ...config, migrate: false });
  try {
    return await runPruneCommand(args, (options) => pruneRuns(db, options));
  } finally {
    await db.close();
  }
}

const usage = (problem?: string) => usageFailure(USAGE, problem);

runCommandLine(main);
