/** What a store takes, as its backend counts it: shared by `--scale` (bytes per run) and `--soak`. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type pg from 'pg';

/** `pg_total_relation_size` (table, indexes, TOAST) summed over the tables of `schema`. */
export async function schemaBytes(client: pg.Client, schema: string): Promise<number> {
  const { rows } = await client.query(
    `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint AS bytes
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relkind = 'r'`,
    [schema],
  );
  return Number(rows[0].bytes);
}

/** The blocks a directory's files take on disk (`du -s`), in bytes. */
export async function directoryBytes(directory: string): Promise<number> {
  const { stdout } = await promisify(execFile)('du', ['-s', '--block-size=1', directory]);
  return Number(stdout.split('\t')[0]);
}
