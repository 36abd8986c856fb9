import { describe, expect, it } from 'vitest';
import { cancelMany, MAX_CANCEL_MANY_RUNS } from '../src/cancel-many.js';
import { InvalidInputError, ThrottleError, WorldClosedError } from '../src/errors.js';
import type { World } from '../src/world.js';

/** A World of running runs whose `run_cancelled` writes answer with `refuse(runId)`'s error, if any. */
function worldRefusing(refuse: (runId: string) => Error | undefined) {
  const writes: string[] = [];
  const world = {
    runs: { get: async (runId: string) => ({ runId, status: 'running', specVersion: 7 }) },
    events: {
      create: async (runId: string) => {
        const error = refuse(runId);
        if (error) throw error;
        writes.push(runId);
        return { event: { runId, eventType: 'run_cancelled' } };
      },
    },
  } as unknown as Pick<World, 'runs' | 'events'>;
  return { world, writes };
}

describe('runs.cancelMany', () => {
  it('refuses a request out of bounds whole, before any write', async () => {
    const { world, writes } = worldRefusing(() => undefined);
    const tooMany = Array.from({ length: MAX_CANCEL_MANY_RUNS + 1 }, (_, i) => `wrun_${i}`);
    for (const [request, field] of [
      [{ runIds: [] }, 'runIds'],
      [{ runIds: tooMany }, 'runIds'],
      [{ runIds: ['wrun_a', 'wrun_a'] }, 'runIds'],
      [{ runIds: ['wrun_a'], cancelReason: 'x'.repeat(513) }, 'cancelReason'],
    ] as const) {
      await expect(cancelMany(world, request as never)).rejects.toMatchObject({
        code: 'INVALID_INPUT',
        field,
      });
    }
    expect(writes).toEqual([]);
  });

  it('reports a store failure with its code, retryable unless the request itself was refused', async () => {
    const { world, writes } = worldRefusing((runId) =>
      runId === 'wrun_closed'
        ? new WorldClosedError('the World is closed')
        : runId === 'wrun_throttled'
          ? new ThrottleError('slow down')
          : runId === 'wrun_plain'
            ? new Error('socket hang up')
            : runId === 'wrun_invalid'
              ? new InvalidInputError('eventData', 'refused as sent')
              : undefined,
    );
    const { results, summary } = await cancelMany(world, {
      runIds: ['wrun_closed', 'wrun_ok', 'wrun_throttled', 'wrun_plain', 'wrun_invalid'],
    });
    expect(results).toEqual([
      { runId: 'wrun_closed', outcome: 'failed', code: 'WORLD_CLOSED', retryable: true },
      { runId: 'wrun_ok', outcome: 'cancelled' },
      { runId: 'wrun_throttled', outcome: 'failed', code: 'THROTTLED', retryable: true },
      { runId: 'wrun_plain', outcome: 'failed', code: 'INTERNAL', retryable: true },
      { runId: 'wrun_invalid', outcome: 'failed', code: 'INVALID_INPUT', retryable: false },
    ]);
    expect(summary).toMatchObject({ requested: 5, cancelled: 1, failed: 4 });
    expect(writes).toEqual(['wrun_ok']);
  });
});
