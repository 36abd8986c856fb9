/**
 * What a prune costs the app, the third part of `--scale`: a store seeded with finished runs
 * (the smallest of the sizes, 100k by default) is pruned to nothing by the World's own background
 * pruning (a retention policy, started with the World: its default batches and pauses) while
 * writers in the same process append step cycles to runs of their own; their append latencies
 * during the prune are set beside the same load on the same World just before it is started.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type LatencyTail, latencyTail } from '../stats.js';
import type { OpenedWorld, WorldSubject } from '../subjects/types.js';
import { createStartedRun, stepEvents } from '../workload.js';
import { SeededStore } from './store.js';

export const PRUNE_UNDER_LOAD = {
  id: 'prune-load',
  title:
    'events.create latency while background pruning deletes the seeded runs, beside the same load without',
};

/** Concurrent writers, each on a run of its own. */
const WRITERS = 8;
/**
 * Appends per second of each writer: a steady app, busy but below what every World sustains, so
 * the prune has room beside it and a slow append shows as latency rather than as a lower rate.
 */
export const APPENDS_PER_WRITER_PER_SECOND = 100;
/** How long the load runs before the prune, for the latencies without it. */
export const WITHOUT_PRUNE_MS = 15_000;
/**
 * How often the bench asks whether any finished run is left (a dry run of one). Rarely: on the
 * local World each ask lists the oldest hour's markers, work the app's process would not do.
 */
const POLL_MS = 2_000;

/** The writers' appends over one phase: their latencies (ms) and how many went per second. */
export interface PhaseAppends {
  latencies: LatencyTail;
  appendsPerSecond: number;
}

export interface PruneUnderLoad {
  world: string;
  seededRuns: number;
  writers: number;
  withoutPrune: PhaseAppends;
  duringPrune: PhaseAppends;
  pruneSeconds: number;
}

/** Step cycles on `runIds`, one paced writer each, until `done()`. */
async function appendUntil(
  world: OpenedWorld,
  runIds: string[],
  done: () => boolean,
): Promise<PhaseAppends> {
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    runIds.map(async (runId) => {
      const interval = 1000 / APPENDS_PER_WRITER_PER_SECOND;
      let due = performance.now();
      while (!done()) {
        for (const append of stepEvents(world)) {
          const before = performance.now();
          await append(runId);
          latencies.push(performance.now() - before);
          // The next append at its time; one that fell behind goes at once.
          due += interval;
          const wait = due - performance.now();
          if (wait > 0) await sleep(wait);
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const tail = latencyTail(latencies);
  if (tail === undefined) throw new Error('no append finished');
  return { latencies: tail, appendsPerSecond: latencies.length / seconds };
}

export async function measurePruneUnderLoad(
  subject: WorldSubject,
  seededRuns: number,
  progress: (line: string) => void,
): Promise<PruneUnderLoad> {
  const store = await SeededStore.create(subject, 'scale_prune', seededRuns);
  try {
    progress(`  ${subject.id}: seeding ${seededRuns.toLocaleString('en-US')} runs to prune`);
    await store.growTo(seededRuns, (line) => progress(`    ${line}`));
    // Every seeded run finished in the past; the writers' runs are running and stay. The
    // schedule prunes once the World is started, and again only after an hour.
    const opened = store.openWorld(undefined, {
      retention: { olderThan: 0, intervalMs: 3_600_000 },
    });
    try {
      const { prune, start } = opened.world;
      if (!prune || !start) throw new Error(`${subject.id} has no prune() or start()`);
      const finishedLeft = async () =>
        (await prune.call(opened.world, { olderThan: 0, dryRun: true, limit: 1 })).runs;
      const runIds = await Promise.all(
        Array.from({ length: WRITERS }, () => createStartedRun(opened)),
      );
      const deadline = performance.now() + WITHOUT_PRUNE_MS;
      const withoutPrune = await appendUntil(opened, runIds, () => performance.now() > deadline);

      let pruned = false;
      const pruneStarted = performance.now();
      await start.call(opened.world);
      // Done when no finished run is left: the live seeded runs and the writers' stay.
      const watching = (async () => {
        while ((await finishedLeft()) > 0) await sleep(POLL_MS);
        pruned = true;
      })();
      const duringPrune = await appendUntil(opened, runIds, () => pruned);
      await watching;
      const pruneSeconds = (performance.now() - pruneStarted) / 1000;
      progress(
        `    pruned ${seededRuns.toLocaleString('en-US')} runs in ${pruneSeconds.toFixed(1)} s`,
      );
      return {
        world: subject.id,
        seededRuns,
        writers: WRITERS,
        withoutPrune,
        duringPrune,
        pruneSeconds,
      };
    } finally {
      await opened.close();
    }
  } finally {
    await store.remove();
  }
}
