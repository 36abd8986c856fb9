/**
 * The physical references: each server's own benchmark client running the smallest honest
 * "append one event" — what a World's events.create could approach if it cost nothing but the
 * write itself. Both run as separate C processes, so they also show what a driver costs.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  deleteRedisKeys,
  dropSchema,
  postgresUrl,
  quoteIdentifier,
  redisUrl,
  uniqueName,
  withPostgres,
  withRedis,
} from '../services.js';
import { type RawAppendSubject, SubjectUnavailableError } from './types.js';

const run = promisify(execFile);

/** A small event payload, the size of a typical serialized step result. */
const PAYLOAD_HEX = 'ab'.repeat(64);

export async function requireTool(tool: string): Promise<void> {
  try {
    await run(tool, ['--version']);
  } catch {
    throw new SubjectUnavailableError(
      `${tool} is not installed (apt-get install ${tool === 'pgbench' ? 'postgresql-contrib' : 'redis-tools'})`,
    );
  }
}

/** An events-like table: keyed by (run, event id), with type, correlation id, time and payload. */
const eventsTable = (table: string) => `CREATE TABLE ${table} (
  run_id         text COLLATE "C" NOT NULL,
  event_id       text COLLATE "C" NOT NULL,
  event_type     text NOT NULL,
  correlation_id text COLLATE "C",
  created_at     timestamptz NOT NULL DEFAULT now(),
  payload        bytea,
  PRIMARY KEY (run_id, event_id)
)`;

/** One INSERT of one event into a random one of 100,000 runs. */
const appendStatement = (table: string) =>
  `INSERT INTO ${table} (run_id, event_id, event_type, correlation_id, payload) ` +
  `VALUES ('wrun_' || :run, 'evnt_' || md5(random()::text), 'step_completed', 'step_' || :run, ` +
  `'\\x${PAYLOAD_HEX}'::bytea);`;

/** What one pgbench window reports: script runs per second, and how many ran. */
export interface PgbenchWindow {
  tps: number;
  transactions: number;
}

/**
 * Runs `script` with pgbench for one window: `-n -M prepared -T <max(2, window) s> -c <clients>
 * -j <min(clients, 2)>`, the variables in `define` passed with `-D`.
 */
export async function runPgbench(
  script: string,
  clients: number,
  windowMs: number,
  define: Record<string, string | number> = {},
): Promise<PgbenchWindow> {
  // pgbench counts whole seconds; two at least, or a slow start of 16 connections on a busy
  // machine can leave no transaction to report. Its rate excludes the connection time.
  const seconds = Math.max(2, Math.round(windowMs / 1000));
  const { stdout, stderr } = await run('pgbench', [
    '-n',
    '-M',
    'prepared',
    '-T',
    String(seconds),
    '-c',
    String(clients),
    '-j',
    String(Math.min(clients, 2)),
    ...Object.entries(define).flatMap(([name, value]) => ['-D', `${name}=${value}`]),
    '-f',
    script,
    postgresUrl(),
  ]);
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout);
  const processed = /number of transactions actually processed: (\d+)/.exec(stdout);
  if (!tps || !processed) throw new Error(`unexpected pgbench output: ${stdout} ${stderr}`.trim());
  return { tps: Number(tps[1]), transactions: Number(processed[1]) };
}

export function pgbenchSubject(): RawAppendSubject {
  let schema: string | undefined;
  let directory: string | undefined;
  let script: string | undefined;
  const table = () => `${quoteIdentifier(schema!)}.events`;
  return {
    kind: 'raw',
    id: 'pgbench',
    label: 'pgbench (one INSERT)',
    backend: 'postgres',
    family: 'raw',
    describe: () =>
      `pgbench -n -M prepared -T <max(2, window) s> -c <clients> -j <min(clients,2)> -f append.sql, where append.sql is\n` +
      `  \\set run random(1, 100000)\n  ${appendStatement('<schema>.events')}\n` +
      `into ${eventsTable('<schema>.events').replace(/\s+/g, ' ')}`,
    async prepare() {
      await requireTool('pgbench');
      schema = uniqueName('pgbench');
      await withPostgres(async (client) => {
        await client.query(`CREATE SCHEMA ${quoteIdentifier(schema!)}`);
        await client.query(eventsTable(table()));
      });
      directory = await mkdtemp(path.join(tmpdir(), 'bench-pgbench-'));
      script = path.join(directory, 'append.sql');
      await writeFile(script, `\\set run random(1, 100000)\n${appendStatement(table())}\n`);
    },
    async appendRate(clients, windowMs) {
      return (await runPgbench(script!, clients, windowMs)).tps;
    },
    async dispose() {
      if (schema) await dropSchema(schema);
      if (directory) await rm(directory, { recursive: true, force: true });
    },
  };
}

/**
 * The "equivalent Lua append" is the one the Redis World's own engineers maintain next to their
 * createEvent script (packages/world-redis/bench/equivalent-append.lua): the same shape of work on
 * the common path (read the run's state, allocate an id on the server clock, store and index the
 * record, update the step and the run) without the state machine's branches. Its arguments are a
 * 90-byte record and a 70-byte payload.
 */
const equivalentAppendPath = () =>
  path.join(
    path.dirname(createRequire(import.meta.url).resolve('@worldkit/world-redis/package.json')),
    'bench',
    'equivalent-append.lua',
  );

const REDIS_RECORD = 'r'.repeat(90);
const REDIS_PAYLOAD = 'p'.repeat(70);

export function redisBenchmarkSubject(): RawAppendSubject {
  let prefix: string | undefined;
  let sha: string | undefined;
  let script = '';
  /** redis-benchmark counts requests, not time: size each window from the last measured rate. */
  const lastRate = new Map<number, number>();
  return {
    kind: 'raw',
    id: 'redis-benchmark',
    label: 'redis-benchmark (one EVALSHA append)',
    backend: 'redis',
    family: 'raw',
    describe: () =>
      `redis-benchmark -c <clients> -n <≈ window × rate> -r 100000 --csv ` +
      `EVALSHA <sha> 1 <prefix>:run:{__rand_int__} <90-byte record> <70-byte payload>, where the ` +
      `script is packages/world-redis/bench/equivalent-append.lua:\n${script}`,
    async prepare() {
      await requireTool('redis-benchmark');
      try {
        script = await readFile(equivalentAppendPath(), 'utf8');
      } catch (error) {
        throw new SubjectUnavailableError(
          `the equivalent Lua append of @worldkit/world-redis is missing (${(error as Error).message})`,
        );
      }
      prefix = uniqueName('redis_benchmark');
      sha = await withRedis((client) => client.script('LOAD', script) as Promise<string>);
    },
    async appendRate(clients, windowMs) {
      const url = new URL(redisUrl());
      const guess = lastRate.get(clients) ?? 5000 * Math.min(clients, 4);
      const requests = Math.max(1000, Math.round((guess * windowMs) / 1000));
      const db = url.pathname.length > 1 ? url.pathname.slice(1) : '0';
      const { stdout } = await run('redis-benchmark', [
        '-h',
        url.hostname,
        '-p',
        url.port || '6379',
        '--dbnum',
        db,
        '-c',
        String(clients),
        '-n',
        String(requests),
        '-r',
        '100000',
        '--csv',
        'EVALSHA',
        sha!,
        '1',
        `${prefix}:run:{__rand_int__}`,
        REDIS_RECORD,
        REDIS_PAYLOAD,
      ]);
      const row = stdout
        .trim()
        .split('\n')
        .find((line) => line.startsWith('"EVALSHA'));
      const rate = row ? Number(JSON.parse(`[${row}]`)[1]) : Number.NaN;
      if (!Number.isFinite(rate)) throw new Error(`unexpected redis-benchmark output:\n${stdout}`);
      lastRate.set(clients, rate);
      return rate;
    },
    async dispose() {
      if (prefix) await withRedis((client) => deleteRedisKeys(client, `${prefix}:*`));
    },
  };
}
