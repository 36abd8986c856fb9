import { type PruneOptions, type PruneReport, resolvePrune } from '@worldkit/world';
import { runScriptPipeline } from '../scripts.js';
import { type StoreContext, transport } from '../store-context.js';
import { backfillFinishedIndex, finishedBefore } from './finished-index.js';

/** What `pruneRun.lua` did with one run. */
type Outcome = 'deleted' | 'qualifies' | 'kept' | 'busy' | 'gone';

/**
 * Runs per pipeline. Redis runs the scripts of one pipeline back to back, every other client
 * waiting: a few per pipeline keep the app's appends flowing between them.
 */
const RUNS_PER_PIPELINE = 10;

/**
 * `prune()`: batch by batch, the oldest finished runs before the cutoff from the finished index,
 * each deleted by `pruneRun.lua` (atomic per run, checking again that it qualifies) in short
 * pipelines. With `dryRun` the same script only checks, so the report lists exactly the
 * runs a prune would delete now.
 */
export async function pruneRuns(store: StoreContext, options: PruneOptions): Promise<PruneReport> {
  const { cutoff, dryRun, batchSize, limit } = resolvePrune(options);
  await transport(() => backfillFinishedIndex(store));
  const runIds: string[] = [];
  let runs = 0;
  // Candidates that stay in the index (kept, busy, or listed by a dry run): the next batch starts
  // after them. When another prune deletes runs ahead of them meanwhile, this one skips as many
  // runs, which the next prune gets.
  let passed = 0;
  while (runs < limit) {
    const want = Math.min(batchSize, limit - runs);
    const candidates = await transport(() => finishedBefore(store, cutoff, passed, want));
    if (candidates.length === 0) break;
    const outcomes = await transport(() => pruneBatch(store, candidates, cutoff, dryRun));
    outcomes.forEach((outcome, i) => {
      if (outcome === 'deleted' || outcome === 'qualifies') runs += 1;
      if (outcome === 'qualifies') runIds.push(candidates[i]!);
      if (outcome !== 'deleted' && (dryRun || outcome !== 'gone')) passed += 1;
    });
    if (candidates.length < want) break;
  }
  return { cutoff, dryRun, runs, runIds };
}

async function pruneBatch(
  store: StoreContext,
  runIds: string[],
  cutoff: Date,
  dryRun: boolean,
): Promise<Outcome[]> {
  const { keys } = store;
  const [streamBefore, streamAfter] = keys.streamScopeParts;
  const outcomes: Outcome[] = [];
  for (let start = 0; start < runIds.length; start += RUNS_PER_PIPELINE) {
    const replies = await runScriptPipeline(
      store.redis(),
      'pruneRun',
      runIds.slice(start, start + RUNS_PER_PIPELINE).map((runId) => ({
        keys: [keys.run(runId).run, keys.global.runs, keys.queue.pending],
        args: [runId, cutoff.getTime(), dryRun ? '1' : '0', streamBefore, streamAfter],
      })),
    );
    outcomes.push(...(replies as Outcome[]));
  }
  return outcomes;
}
