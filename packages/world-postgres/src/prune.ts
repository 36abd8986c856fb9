import { type PruneOptions, type PruneReport, resolvePrune } from '@worldkit/world';
import type { Database } from './database.js';

/**
 * `world.prune()`: deletes finished runs older than `options.olderThan`, one batch per
 * statement (`prune_runs`, in `sql/0006_retention.sql`), each batch its own short transaction so
 * appends keep flowing between them. With `dryRun`, one read of the same runs, oldest first.
 */
export async function pruneRuns(db: Database, options: PruneOptions): Promise<PruneReport> {
  const { cutoff, dryRun, batchSize, limit } = resolvePrune(options);
  if (dryRun) {
    const { rows } = await db.query<{ run_id: string }>(
      `SELECT run_id FROM ${db.schema}.prunable_runs($1, $2) WITH ORDINALITY AS p(run_id, position)
       ORDER BY position`,
      [cutoff, Number.isFinite(limit) ? limit : null],
    );
    const runIds = rows.map((row) => row.run_id);
    return { cutoff, dryRun, runs: runIds.length, runIds };
  }
  let runs = 0;
  while (runs < limit) {
    const asked = Math.min(batchSize, limit - runs);
    const { rows } = await db.query<{ found: number; deleted: number }>(
      `SELECT found, deleted FROM ${db.schema}.prune_runs($1, $2)`,
      [cutoff, asked],
    );
    const batch = rows[0]!;
    runs += batch.deleted;
    // Fewer found than asked: none are left. (Fewer deleted only means another prune was first.)
    if (batch.found < asked) break;
  }
  return { cutoff, dryRun, runs, runIds: [] };
}
