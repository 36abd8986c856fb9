/**
 * Loading a run's log as the runtime does on every replay: events.list with no limit (the World's
 * default page size), following cursors until `hasMore` is false, data resolved.
 */
import type { OpenedWorld } from '../subjects/types.js';
import { createStartedRun, stepEvents } from '../workload.js';
import type { Measurement } from './types.js';
import { worldSession, worldsOnly } from './world-session.js';

/** A started run with exactly `events` events: step cycles, the last one possibly partial. */
async function runWithEvents(opened: OpenedWorld, events: number): Promise<string> {
  const runId = await createStartedRun(opened);
  let written = 2;
  while (written < events) {
    for (const append of stepEvents(opened)) {
      if (written >= events) break;
      await append(runId);
      written++;
    }
  }
  return runId;
}

export async function loadLog(opened: OpenedWorld, runId: string): Promise<number> {
  let cursor: string | undefined;
  let loaded = 0;
  for (;;) {
    const page = await opened.world.events.list({
      runId,
      pagination: cursor ? { cursor, sortOrder: 'asc' } : { sortOrder: 'asc' },
    } as any);
    loaded += page.data.length;
    if (!page.hasMore) return loaded;
    if (!page.cursor) throw new Error('hasMore without a cursor');
    cursor = page.cursor;
  }
}

export const loadEventLog: Measurement = {
  id: 'load-log',
  title: 'load a 1,000-event log (events.list)',
  metrics: [{ id: 'load', title: 'full log load', unit: 'ms', better: 'lower' }],
  parallelSetup: true,
  notApplicable: worldsOnly,
  open: (subject, context) =>
    worldSession(subject, context, async (opened) => {
      const runId = await runWithEvents(opened, context.scale.logEvents);
      return {
        async sample() {
          const timings: number[] = [];
          for (let index = 0; index < context.scale.loadsPerRound; index++) {
            const started = performance.now();
            const loaded = await loadLog(opened, runId);
            timings.push(performance.now() - started);
            if (loaded !== context.scale.logEvents) {
              throw new Error(`loaded ${loaded} events, expected ${context.scale.logEvents}`);
            }
          }
          return { load: timings };
        },
      };
    }),
};
