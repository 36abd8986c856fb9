/**
 * Fenced appends: writers race on one run, each fencing its `step_created` on the newest event
 * id it has seen (`lastKnownEventId`). A refused append (FENCE_CONFLICT) makes that writer reload
 * the log from its cursor, as a runtime would, and try again. Goodput counts committed appends
 * per second; the conflict rate is refused appends over all attempts.
 */
import { isFenceConflict, newId } from '@worldkit/world';
import type { OpenedWorld } from '../subjects/types.js';
import { createStartedRun, payload, STEP_NAME } from '../workload.js';
import { type Measurement, NotApplicableError } from './types.js';
import { worldSession, worldsOnly } from './world-session.js';

interface WriterView {
  lastEventId: string | undefined;
  cursor: string | undefined;
}

/** Reads the events appended since the writer's cursor and moves its view to the newest. */
async function refresh(opened: OpenedWorld, runId: string, view: WriterView): Promise<void> {
  for (;;) {
    const page = await opened.world.events.list({
      runId,
      pagination: view.cursor ? { cursor: view.cursor } : {},
      resolveData: 'none',
    } as any);
    const last = page.data[page.data.length - 1];
    if (last) view.lastEventId = last.eventId;
    if (page.cursor) view.cursor = page.cursor;
    if (!page.hasMore) return;
  }
}

async function race(opened: OpenedWorld, runId: string, writers: number, windowMs: number) {
  let committed = 0;
  let refused = 0;
  const started = performance.now();
  const deadline = started + windowMs;
  const views: WriterView[] = Array.from({ length: writers }, () => ({
    lastEventId: undefined,
    cursor: undefined,
  }));
  await Promise.all(views.map((view) => refresh(opened, runId, view)));
  await Promise.all(
    views.map(async (view) => {
      while (performance.now() < deadline) {
        try {
          const result = await opened.world.events.create(
            runId,
            {
              eventType: 'step_created',
              correlationId: newId('step'),
              specVersion: opened.specVersion,
              eventData: { stepName: STEP_NAME, input: payload() },
            } as any,
            { lastKnownEventId: view.lastEventId },
          );
          committed++;
          view.lastEventId = result.event?.eventId ?? view.lastEventId;
        } catch (error) {
          if (!isFenceConflict(error)) throw error;
          refused++;
          await refresh(opened, runId, view);
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  return {
    goodput: committed / elapsed,
    conflicts: (100 * refused) / Math.max(1, committed + refused),
  };
}

export const fencedAppends: Measurement = {
  id: 'fenced-8',
  title: 'fenced appends, 8 writers on one run',
  metrics: [
    { id: 'goodput', title: 'committed', unit: 'appends/s', better: 'higher' },
    { id: 'conflicts', title: 'conflicts', unit: '% of attempts', better: 'lower' },
  ],
  // The 5.x contract dropped the fence: a 5.x writer sends the event count it has seen instead,
  // and the World lands its event on the next free slot rather than refusing it.
  notApplicable: (subject) =>
    subject.kind === 'world' && subject.line === '5.x'
      ? 'no lastKnownEventId fence on the 5.x line'
      : worldsOnly(subject),
  open: (subject, context) =>
    worldSession(subject, context, async (opened) => {
      if (!opened.fenced) throw new NotApplicableError('no lastKnownEventId fence');
      return {
        async sample() {
          // A fresh run per round: the race starts from the same short log every time.
          const runId = await createStartedRun(opened);
          const { goodput, conflicts } = await race(
            opened,
            runId,
            context.scale.fencedWriters,
            context.scale.windowMs,
          );
          return { goodput: [goodput], conflicts: [conflicts] };
        },
      };
    }),
};
