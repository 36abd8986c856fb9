#!/usr/bin/env node
import { resolveConfig } from './config.js';
import { describeTarget, translateError } from './errors.js';
import { migrate, migrationStatus } from './migrate.js';
import { acquirePool } from './pool.js';

const USAGE = `Usage: worldkit-postgres <command> [--url <connection string>] [--schema <name>]

Commands:
  migrate   apply pending migrations (safe to run from many processes at once)
  status    list applied and pending migrations
  help      print this help (also -h, --help)

The connection string defaults to WORKFLOW_POSTGRES_URL, then DATABASE_URL, then libpq's PG*
variables; the schema to WORKFLOW_POSTGRES_SCHEMA, then "worldkit".`;

async function main(argv: string[]): Promise<number> {
  // Help is asked for, not a mistake: it goes to stdout with exit code 0.
  if (argv[0] === 'help' || argv.some((arg) => arg === '-h' || arg === '--help')) {
    console.log(USAGE);
    return 0;
  }
  const [command, ...rest] = argv;
  const options: { connectionString?: string; schema?: string } = {};
  for (let i = 0; i < rest.length; i += 2) {
    const flag = rest[i];
    const value = rest[i + 1];
    if (value === undefined) return usage(`missing value for ${flag}`);
    if (flag === '--url') options.connectionString = value;
    else if (flag === '--schema') options.schema = value;
    else return usage(`unknown option ${flag}`);
  }
  if (command !== 'migrate' && command !== 'status') {
    return usage(command === undefined ? undefined : `unknown command ${command}`);
  }
  const config = resolveConfig({ ...options, maxPoolSize: 1 });
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
    return 0;
  } catch (error) {
    const translated = translateError(error, config);
    console.error((translated as Error).message ?? String(translated));
    return 1;
  } finally {
    await lease.release();
  }
}

function usage(problem?: string): number {
  if (problem !== undefined) console.error(problem);
  console.error(USAGE);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
