import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  defineWorld,
  type PruneOptions,
  type PruneReport,
  resolvePrune,
  retentionAgeMs,
  retentionFromEnv,
  schedulePruning,
  type WorldParts,
} from '../src/index.js';

describe('retention ages', () => {
  it.each([
    [0, 0],
    [1500, 1500],
    ['250ms', 250],
    ['90s', 90_000],
    ['15m', 900_000],
    ['12h', 43_200_000],
    ['30d', 2_592_000_000],
    ['2w', 1_209_600_000],
    [' 1.5h ', 5_400_000],
  ])('reads %j as %d ms', (age, ms) => {
    expect(retentionAgeMs(age)).toBe(ms);
  });

  it.each([-1, Number.NaN, '', '30', '30 days', 'd', '-1d'])(
    'refuses %j, naming the field',
    (age) => {
      expect(() => retentionAgeMs(age as never)).toThrow(
        expect.objectContaining({ code: 'INVALID_INPUT', field: 'olderThan' }),
      );
    },
  );

  it('takes the cutoff from now and checks the batch size and limit', () => {
    expect(resolvePrune({ olderThan: '1h' }, 10_000_000).cutoff.getTime()).toBe(6_400_000);
    expect(resolvePrune({ olderThan: 0, dryRun: true }, 5)).toMatchObject({
      dryRun: true,
      batchSize: 100,
      limit: Number.POSITIVE_INFINITY,
    });
    expect(() => resolvePrune({ olderThan: 0, batchSize: 0 })).toThrow(/batchSize/);
    expect(() => resolvePrune({ olderThan: 0, limit: 1.5 })).toThrow(/limit/);
  });

  it('reads the policy from the environment, refusing a malformed age', () => {
    expect(retentionFromEnv({})).toBeUndefined();
    expect(
      retentionFromEnv({
        WORKFLOW_RETENTION: '30d',
        WORKFLOW_RETENTION_INTERVAL: '5m',
        WORKFLOW_RETENTION_BATCH_SIZE: '20',
      }),
    ).toEqual({ olderThan: '30d', intervalMs: 300_000, batchSize: 20 });
    expect(() => retentionFromEnv({ WORKFLOW_RETENTION: 'soon' })).toThrow(/WORKFLOW_RETENTION/);
  });
});

/** A prune over `stored` finished runs that deletes up to `limit` per call. */
function fakeBackend(stored: number) {
  const calls: PruneOptions[] = [];
  let left = stored;
  const prune = async (options: PruneOptions): Promise<PruneReport> => {
    calls.push(options);
    const runs = Math.min(left, options.limit ?? left);
    left -= runs;
    return { cutoff: new Date(0), dryRun: false, runs, runIds: [] };
  };
  return { prune, calls, left: () => left };
}

describe('background pruning', () => {
  afterEach(() => vi.useRealTimers());

  it('prunes batch by batch until a batch comes back short, then waits for the interval', async () => {
    const backend = fakeBackend(250);
    const schedule = schedulePruning(
      backend.prune,
      { olderThan: '1d', batchSize: 100, intervalMs: 60_000 },
      (error) => {
        throw error;
      },
    );
    await vi.waitFor(() => expect(backend.left()).toBe(0));
    expect(backend.calls.map((call) => call.limit)).toEqual([100, 100, 100]);
    await schedule.stop();
  });

  it('stops between batches without waiting for the pause', async () => {
    const backend = fakeBackend(10_000);
    const schedule = schedulePruning(backend.prune, { olderThan: 0, batchSize: 10 }, () => {});
    await vi.waitFor(() => expect(backend.calls.length).toBeGreaterThan(0));
    await schedule.stop();
    const calls = backend.calls.length;
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(backend.calls.length).toBe(calls);
    expect(backend.left()).toBeGreaterThan(0);
  });

  it('reports a failed prune and tries again at the next interval', async () => {
    const errors: unknown[] = [];
    let attempts = 0;
    const schedule = schedulePruning(
      async () => {
        attempts++;
        throw new Error('backend down');
      },
      { olderThan: 0, intervalMs: 10 },
      (error) => errors.push(error),
    );
    await vi.waitFor(() => expect(attempts).toBeGreaterThanOrEqual(2));
    await schedule.stop();
    expect(errors[0]).toMatchObject({ message: 'backend down' });
  });
});

describe('defineWorld with retention', () => {
  const parts = (prune: WorldParts['prune'], retention?: WorldParts['retention']): WorldParts => ({
    capabilities: {
      lastKnownEventIdFence: true,
      stateUpdatedAtGuard: true,
      durableQueue: false,
      durableStorage: false,
      multiProcess: false,
      retention: prune !== undefined,
    },
    storage: {} as WorldParts['storage'],
    streamer: {} as WorldParts['streamer'],
    getDeploymentId: async () => 'd',
    enqueue: async () => ({ messageId: 'msg_1' }) as never,
    queueSecret: undefined,
    start: async () => {},
    close: async () => {},
    prune,
    retention,
  });

  it('prunes in the background once started, and stops on close', async () => {
    const backend = fakeBackend(5);
    const world = defineWorld(parts(backend.prune, { olderThan: '1d', intervalMs: 60_000 }));
    expect(backend.calls).toHaveLength(0);
    await world.start();
    await vi.waitFor(() => expect(backend.left()).toBe(0));
    await world.close();
    await expect(world.prune!({ olderThan: 0 })).rejects.toMatchObject({ code: 'WORLD_CLOSED' });
  });

  it('has no prune without a backend that can, and refuses a policy it cannot apply', () => {
    expect(defineWorld(parts(undefined)).prune).toBeUndefined();
    expect(() => defineWorld(parts(undefined, { olderThan: '1d' }))).toThrow(/prune/);
  });
});
