import fs from 'node:fs';
import path from 'node:path';
import { type QueueMessageMeta, serveQueueHandlers } from '@worldkit/world';
import { afterEach, describe, expect, it } from 'vitest';
import { listQueuedMessages } from '../src/index.js';
import { bytes, eventually, useTempWorlds } from './helpers/temp-world.js';

const temp = useTempWorlds();
const servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

type Seen = { message: unknown; meta: QueueMessageMeta };

async function serve(
  world: ReturnType<typeof temp.world>,
  onFlow: (message: unknown, meta: QueueMessageMeta) => Promise<void | { timeoutSeconds: number }>,
) {
  const served = await serveQueueHandlers({
    flow: world.createQueueHandler('__wkf_workflow_', onFlow),
  });
  servers.push(served);
  return served.baseUrl;
}

const fast = { queuePollIntervalMs: 20, retryBaseMs: 10, retryMaxMs: 20, leaseMs: 1000 };

describe('queue', () => {
  it('delivers with bytes revived, redelivers on timeoutSeconds and on failure', async () => {
    const dataDir = temp.dir();
    const seen: Seen[] = [];
    const handlerWorld = temp.world({ dataDir, ...fast });
    const baseUrl = await serve(handlerWorld, async (message, meta) => {
      seen.push({ message, meta });
      if (seen.length === 1) return { timeoutSeconds: 0 };
      if (seen.length === 2) throw new Error('boom');
    });
    const world = temp.world({ dataDir, baseUrl, ...fast });
    const { messageId } = await world.queue('__wkf_workflow_w', {
      runId: 'wrun_1',
      runInput: {
        input: bytes('payload'),
        deploymentId: 'd',
        workflowName: 'w',
        specVersion: 3,
      },
    } as never);
    await world.start();
    await eventually(() => (seen.length >= 3 ? true : undefined), 'three deliveries');
    expect(seen.map((s) => s.meta.attempt)).toEqual([1, 1, 2]);
    expect(seen.every((s) => s.meta.messageId === messageId)).toBe(true);
    const input = (seen[0]!.message as { runInput: { input: unknown } }).runInput.input;
    expect(input).toBeInstanceOf(Uint8Array);
    expect(input).toEqual(bytes('payload'));
    await eventually(
      () => (listQueuedMessages({ dataDir }).length === 0 ? true : undefined),
      'the third delivery to be acknowledged',
    );
    expect(seen).toHaveLength(3);
  });

  it('dedups by idempotency key while the message is live', async () => {
    const world = temp.world(fast);
    const a = await world.queue('__wkf_step_s', { runId: 'a' } as never, { idempotencyKey: 'k' });
    const b = await world.queue('__wkf_step_s', { runId: 'b' } as never, { idempotencyKey: 'k' });
    expect(b.messageId).toBe(a.messageId);
  });

  it('keeps pending messages across a restart and delivers them after start()', async () => {
    const dataDir = temp.dir();
    const producer = temp.world({ dataDir, ...fast });
    await producer.queue('__wkf_workflow_w', { runId: 'wrun_kept' } as never);
    await producer.close();

    const seen: Seen[] = [];
    const consumer = temp.world({ dataDir, ...fast, recoverActiveRuns: false });
    const baseUrl = await serve(consumer, async (message, meta) => {
      seen.push({ message, meta });
    });
    const started = temp.world({ dataDir, baseUrl, ...fast, recoverActiveRuns: false });
    await started.start();
    await eventually(() => seen[0], 'the kept message');
    expect(seen[0]!.message).toMatchObject({ runId: 'wrun_kept' });
  });

  it('keeps a delayed redelivery across a restart', async () => {
    const dataDir = temp.dir();
    let deliveries = 0;
    const handlerWorld = temp.world({ dataDir, ...fast });
    const baseUrl = await serve(handlerWorld, async () => {
      deliveries++;
      return { timeoutSeconds: 3600 };
    });
    const world = temp.world({ dataDir, baseUrl, ...fast, recoverActiveRuns: false });
    await world.queue('__wkf_workflow_w', { runId: 'wrun_sleepy' } as never);
    await world.start();
    await eventually(() => (deliveries === 1 ? true : undefined), 'first delivery');
    const delayed = await eventually(() => {
      const [message] = listQueuedMessages({ dataDir });
      return message && message.due > Date.now() + 3_000_000 ? message : undefined;
    }, 'the delayed redelivery to be recorded');
    expect(delayed.attempt).toBe(1);
    await world.close();
    await handlerWorld.close();
    const [kept] = listQueuedMessages({ dataDir });
    expect(kept).toMatchObject({ id: delayed.id, due: delayed.due, leased: false });
  });
});

describe('queue journal compaction', () => {
  it('rewrites a journal of mostly finished messages and keeps the live ones', async () => {
    const dataDir = temp.dir();
    let delivered = 0;
    const handlerWorld = temp.world({ dataDir, ...fast });
    const baseUrl = await serve(handlerWorld, async () => {
      delivered++;
    });
    const world = temp.world({ dataDir, baseUrl, ...fast, recoverActiveRuns: false });
    const big = bytes('x'.repeat(256 * 1024));
    for (let i = 0; i < 24; i++) {
      await world.queue('__wkf_workflow_w', { runId: `wrun_${i}`, blob: big } as never);
    }
    await world.start();
    await eventually(
      () => (listQueuedMessages({ dataDir }).length === 0 ? true : undefined),
      'acks',
    );
    expect(delivered).toBe(24);
    // 24 enqueues of 256 KiB went through the journal: without a rewrite it would hold 6 MiB.
    const journal = path.join(dataDir, 'queue', 'journal');
    expect(fs.statSync(journal).size).toBeLessThan(4 * 1024 * 1024);

    const { messageId } = await world.queue('__wkf_step_s', { runId: 'wrun_kept' } as never, {
      delaySeconds: 3600,
    });
    expect(listQueuedMessages({ dataDir }).map((m) => m.id)).toEqual([messageId]);
    // Another World that had read the old file follows the rewrite.
    expect(
      (await world.queue('__wkf_step_s', { runId: 'wrun_second' } as never)).messageId,
    ).not.toBe(messageId);
    expect(listQueuedMessages({ dataDir })).toHaveLength(2);
  });
});
