import { TERMINAL_RUN_STATUSES } from '@worldkit/world';
import type { StoreContext } from '../store-context.js';

/**
 * The finished-runs index (`<global scope>finished`): run ids scored by completion time, added
 * by `createEvent.lua` when a run ends and removed by `pruneRun.lua`, so a prune finds the oldest
 * finished runs without reading any other run.
 */

/** Up to `count` finished runs that finished before `cutoff`, oldest first, from `offset`. */
export async function finishedBefore(
  store: StoreContext,
  cutoff: Date,
  offset: number,
  count: number,
): Promise<string[]> {
  return (await store
    .redis()
    .call(
      'ZRANGE',
      store.keys.global.finished,
      '-inf',
      `(${cutoff.getTime()}`,
      'BYSCORE',
      'LIMIT',
      offset,
      count,
    )) as string[];
}

const BACKFILL_PAGE = 1000;

/**
 * Adds the finished runs the index lacks: runs that ended before the index existed (or under a
 * version of the World that did not keep it). Every write keeps the index exactly as large as
 * the terminal status indexes together, so comparing their sizes tells whether there is anything
 * to add; once added, a prune pays four ZCARDs for the check.
 */
export async function backfillFinishedIndex(store: StoreContext): Promise<void> {
  const redis = store.redis();
  const { global } = store.keys;
  const sizes = await Promise.all([
    redis.zcard(global.finished),
    ...TERMINAL_RUN_STATUSES.map((status) => redis.zcard(global.runsByStatus(status))),
  ]);
  const [indexed, ...finished] = sizes;
  if (indexed === finished.reduce((sum, size) => sum + size, 0)) return;
  for (const status of TERMINAL_RUN_STATUSES) {
    let after = '-inf';
    for (;;) {
      // Members and their creation-order scores, unique, so a score is a cursor.
      const page = (await redis.call(
        'ZRANGE',
        global.runsByStatus(status),
        after,
        '+inf',
        'BYSCORE',
        'LIMIT',
        0,
        BACKFILL_PAGE,
        'WITHSCORES',
      )) as string[];
      const runIds = page.filter((_, i) => i % 2 === 0);
      if (runIds.length > 0) await indexRuns(store, runIds);
      if (runIds.length < BACKFILL_PAGE) break;
      after = `(${page.at(-1)}`;
    }
  }
}

/** Adds runs to the index by their completion time; runs deleted meanwhile are skipped. */
async function indexRuns(store: StoreContext, runIds: string[]): Promise<void> {
  const redis = store.redis();
  const reads = redis.pipeline();
  for (const runId of runIds) reads.hget(store.keys.run(runId).run, 'completed');
  const times = (await reads.exec()) ?? [];
  const entries: string[] = [];
  times.forEach(([error, completed], i) => {
    if (error !== null) throw error;
    if (typeof completed === 'string') entries.push(completed, runIds[i]!);
  });
  // NX: the runs already indexed (by the event that ended them) keep their entry.
  if (entries.length > 0) await redis.zadd(store.keys.global.finished, 'NX', ...entries);
}
