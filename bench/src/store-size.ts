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

const VANISHED = /^du: cannot access '.*': No such file or directory$/;

/**
 * The blocks a directory's files take on disk (`du -s`), in bytes. A file deleted while du walks
 * the directory (a prune running beside it) takes no space any more: du reports it, still prints
 * the total and exits with 1, and that total is the answer.
 */
export async function directoryBytes(directory: string): Promise<number> {
  const du = promisify(execFile)('du', ['-s', '--block-size=1', directory], {
    env: { ...process.env, LC_ALL: 'C' },
  });
  const { stdout } = await du.catch((error: { stdout?: string; stderr?: string }) => {
    const complaints = (error.stderr ?? '').trim().split('\n');
    if (!error.stdout || !complaints.every((line) => VANISHED.test(line))) throw error;
    return { stdout: error.stdout };
  });
  return Number(stdout.split('\t')[0]);
}
