/**
 * events.create throughput: `writers` concurrent writers, each appending step cycles to its own
 * started run for one window; events per second over the window. The raw subjects run their
 * one-statement append with the same number of clients for the same window.
 */
import type { OpenedWorld } from '../subjects/types.js';
import { createStartedRun, writeStepsUntil } from '../workload.js';
import type { Measurement } from './types.js';
import { worldSession } from './world-session.js';

async function appendWindow(opened: OpenedWorld, writers: number, windowMs: number) {
  // Fresh runs each window, created before the clock starts, so log length never drifts.
  const runs = await Promise.all(Array.from({ length: writers }, () => createStartedRun(opened)));
  const started = performance.now();
  const deadline = started + windowMs;
  const counts = await Promise.all(runs.map((runId) => writeStepsUntil(opened, runId, deadline)));
  const elapsed = (performance.now() - started) / 1000;
  return counts.reduce((sum, count) => sum + count, 0) / elapsed;
}

export function appendMeasurement(
  id: string,
  writers: (scale: { concurrentWriters: number }) => number,
  title: string,
): Measurement {
  return {
    id,
    title,
    metrics: [{ id: 'rate', title, unit: 'events/s', better: 'higher' }],
    notApplicable: () => undefined,
    async open(subject, context) {
      const count = writers(context.scale);
      if (subject.kind === 'raw') {
        return {
          sample: async () => ({ rate: [await subject.appendRate(count, context.scale.windowMs)] }),
          close: async () => {},
        };
      }
      return worldSession(subject, context, async (opened) => ({
        sample: async () => ({ rate: [await appendWindow(opened, count, context.scale.windowMs)] }),
      }));
    },
  };
}

export const appendOneWriter = appendMeasurement('append-1', () => 1, 'events.create, 1 writer');

export const appendConcurrentWriters = appendMeasurement(
  'append-16',
  (scale) => scale.concurrentWriters,
  'events.create, 16 writers',
);
