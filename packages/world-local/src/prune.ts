import {
  isTerminalRunStatus,
  type PruneOptions,
  type PruneReport,
  resolvePrune,
} from '@worldkit/world';
import type { LocalQueue } from './queue/local-queue.js';
import type { FinishedRun } from './storage/finished-runs.js';
import type { Indexes } from './storage/indexes.js';
import type { RunStore } from './storage/run-store.js';
import type { StreamStore } from './streams/stream-store.js';

export interface PruneTargets {
  store: RunStore;
  indexes: Indexes;
  streams: StreamStore;
  queue: LocalQueue;
}

/**
 * `world.prune()`: finished runs whose completion is before the cutoff, oldest first, batch by
 * batch from the finished-runs index (no run log is read but those of the candidates).
 *
 * A run goes in this order, which a crash may cut anywhere:
 * 1. its queue messages (a finished run needs none; a crash here leaves the run whole);
 * 2. under its lock, re-checked there: its token claims, then its log. The log's unlink is the
 *    commit point: before it the run reads whole, after it every read misses; the batch's unlinks
 *    are made durable together (one folder sync) before step 3 begins for any of them;
 * 3. its streams, then its `x` line in the runs journal;
 * 4. its finished marker, last: as long as the marker exists, a later prune finds the run (its
 *    log already gone) and finishes steps 3 and 4.
 */
export async function pruneRuns(
  targets: PruneTargets,
  options: PruneOptions,
): Promise<PruneReport> {
  const { cutoff, dryRun, batchSize, limit } = resolvePrune(options);
  const before = cutoff.getTime();
  const candidates = targets.indexes.finished.oldestBefore(before);
  const runIds: string[] = [];
  let runs = 0;
  while (runs < limit) {
    const asked = Math.min(batchSize, limit - runs);
    const batch = take(candidates, asked);
    const doomed: FinishedRun[] = [];
    const finished = new Set<string>();
    for (const candidate of batch) {
      await yieldToTheApp();
      const state = stateOf(targets.store, candidate.runId, before);
      if (dryRun) {
        if (state === 'prunable') {
          runIds.push(candidate.runId);
          runs++;
        }
        continue;
      }
      // A run gone already (an interrupted prune's leftovers) and one that did not finish (a
      // crash's marker) are settled under the run's lock too.
      doomed.push(candidate);
      if (state !== 'kept') finished.add(candidate.runId);
    }
    if (doomed.length > 0) runs += await deleteRuns(targets, doomed, finished, before);
    if (batch.length < asked) break;
  }
  return { cutoff, dryRun, runs, runIds };
}

/** Up to `count` more of `items`. */
function take<T>(items: Iterator<T>, count: number): T[] {
  const taken: T[] = [];
  while (taken.length < count) {
    const next = items.next();
    if (next.done) break;
    taken.push(next.value);
  }
  return taken;
}

/**
 * Lets the app's waiting work run between two runs of a batch. Reading and deleting a run are
 * mostly synchronous file calls in this process, the app's own: without this, a batch of 100
 * holds every append of the app back until it is done.
 */
const yieldToTheApp = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * What the run's log says: finished before `cutoff`, gone, or to be kept (not finished, or
 * finished since). Lock-free: a finished run stays finished, a gone one gone.
 */
function stateOf(store: RunStore, runId: string, cutoff: number): 'prunable' | 'gone' | 'kept' {
  const run = store.read(runId)?.state?.run;
  if (run === undefined) return 'gone';
  const finishedBefore =
    isTerminalRunStatus(run.status) &&
    run.completedAt !== undefined &&
    run.completedAt.getTime() < cutoff;
  return finishedBefore ? 'prunable' : 'kept';
}

/** Deletes the batch in the order above; returns how many runs this prune deleted. */
async function deleteRuns(
  { store, indexes, streams, queue }: PruneTargets,
  batch: FinishedRun[],
  /** The runs of the batch that finished, or are gone already: their messages go first. */
  finished: ReadonlySet<string>,
  cutoff: number,
): Promise<number> {
  await queue.forgetRuns(finished);
  let deleted = 0;
  const gone: FinishedRun[] = [];
  for (const candidate of batch) {
    await yieldToTheApp();
    const outcome = await store.delete(candidate, cutoff);
    if (outcome === 'unfinished' || outcome === 'recent') continue;
    if (outcome === 'deleted') deleted++;
    gone.push(candidate);
  }
  // The logs' unlinks durable before anything else of these runs goes: a crash never brings back
  // a log whose streams are gone.
  store.syncDeletions();
  for (const candidate of gone) {
    await yieldToTheApp();
    await streams.deleteStreamsOf(candidate.runId);
  }
  indexes.forgetRuns(gone.map((candidate) => candidate.runId));
  for (const candidate of gone) indexes.finished.remove(candidate);
  return deleted;
}
