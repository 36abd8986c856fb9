import { describe, expect, it } from 'vitest';
import { defineWorld, type WorldParts } from '../src/define-world.js';
import { WorldClosedError } from '../src/errors.js';
import type { Storage, Streamer } from '../src/world.js';

/** Parts whose start and close are counted, and whose start can be made to fail or wait. */
function countedParts(start: () => Promise<void> = async () => {}) {
  const counts = { starts: 0, closes: 0 };
  const parts: WorldParts = {
    capabilities: {
      lastKnownEventIdFence: true,
      stateUpdatedAtGuard: true,
      durableQueue: false,
      durableStorage: false,
      multiProcess: false,
    },
    storage: {} as Storage,
    streamer: {} as Streamer,
    getDeploymentId: async () => 'dpl_test',
    enqueue: async () => ({ messageId: null }),
    queueSecret: undefined,
    async start() {
      counts.starts++;
      await start();
    },
    async close() {
      counts.closes++;
    },
  };
  return { parts, counts };
}

describe('defineWorld', () => {
  it('starts once however often start() is called', async () => {
    const { parts, counts } = countedParts();
    const world = defineWorld(parts);
    await Promise.all([world.start(), world.start()]);
    await world.start();
    expect(counts.starts).toBe(1);
  });

  it('forgets a failed start, so the app can call start() again', async () => {
    let failures = 1;
    const { parts, counts } = countedParts(async () => {
      if (failures-- > 0) throw new Error('server down');
    });
    const world = defineWorld(parts);
    await expect(world.start()).rejects.toThrow('server down');
    await world.start();
    expect(counts.starts).toBe(2);
  });

  it('closes once, after a start in flight has settled', async () => {
    let finishStart = () => {};
    const { parts, counts } = countedParts(
      () => new Promise<void>((resolve) => (finishStart = resolve)),
    );
    const world = defineWorld(parts);
    const started = world.start();
    const closed = Promise.all([world.close(), world.close()]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(counts.closes, 'close waits for the start in flight').toBe(0);
    finishStart();
    await Promise.all([started, closed]);
    expect(counts.closes).toBe(1);
  });

  it('refuses start() after close() with WorldClosedError', async () => {
    const { parts, counts } = countedParts();
    const world = defineWorld(parts);
    await world.start();
    await world.close();
    const refusal = await world.start().catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(WorldClosedError);
    expect(refusal).toMatchObject({ status: 503, code: 'WORLD_CLOSED' });
    expect(counts.starts).toBe(1);
  });

  it('answers the queue routes with a handler that works detached', async () => {
    const { parts } = countedParts();
    const { createQueueHandler } = defineWorld(parts);
    const handle = createQueueHandler('__wkf_workflow_', async () => undefined);
    const response = await handle(new Request('http://localhost/', { method: 'POST', body: '{' }));
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
  });
});
