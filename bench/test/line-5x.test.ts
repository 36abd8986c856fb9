/**
 * The 5.x subjects write what the 5.x runtime writes: every event of the workload at spec 7, so
 * each run numbers its events by slot. The local Worlds only: they need no service.
 */
import { slotEventId } from '@worldkit/world';
import { describe, expect, it } from 'vitest';
import { fencedAppends } from '../src/measurements/fenced.js';
import { SPEC_VERSION_5X, upstreamLocal5x, worldkitLocal5x } from '../src/subjects/line-5x.js';
import { createStartedRun, stepEvents } from '../src/workload.js';

describe.each([worldkitLocal5x, upstreamLocal5x])('$id', (subject) => {
  it('writes the workload at spec 7, its events numbered by slot', async () => {
    const opened = await subject.open({ label: 'line_5x_test' });
    try {
      expect(opened.specVersion).toBe(SPEC_VERSION_5X);
      const runId = await createStartedRun(opened);
      for (const append of stepEvents(opened)) await append(runId);
      expect((await opened.world.runs.get(runId)).specVersion).toBe(SPEC_VERSION_5X);
      const { data } = await opened.world.events.list({
        runId,
        pagination: { sortOrder: 'asc' },
      } as any);
      expect(data.map(({ eventId, specVersion }) => ({ eventId, specVersion }))).toEqual(
        [1, 2, 3, 4, 5].map((slot) => ({
          eventId: slotEventId(slot),
          specVersion: SPEC_VERSION_5X,
        })),
      );
    } finally {
      await opened.close();
    }
  });

  it('is not measured by the fenced appends, which use the 4.x fence', () => {
    expect(fencedAppends.notApplicable(subject)).toBe('no lastKnownEventId fence on the 5.x line');
  });
});
