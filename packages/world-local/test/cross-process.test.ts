import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileLocks } from '../src/fs/file-lock.js';
import { createWorld, listQueuedMessages } from '../src/index.js';
import { useChildren } from './helpers/child.js';
import { eventually, runCreated, useTempWorlds } from './helpers/temp-world.js';

const temp = useTempWorlds();
const startChild = useChildren();

describe('across processes', () => {
  it('a lock held by a live process is refused; a killed holder’s lock is recovered', async () => {
    const dir = path.join(temp.dir(), 'locks');
    const child = startChild('holdLock', { dir, name: 'run-x' });
    expect(await child.waitFor(/^(held|busy)$/)).toBe('held');
    const locks = new FileLocks(dir, { foreignStaleMs: 30_000 });
    expect(locks.tryAcquire('run-x')).toBe(false);
    await child.kill();
    expect(locks.tryAcquire('run-x')).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'run-x.lock'), 'utf8')).toContain(`\t${process.pid}\t`);
    locks.release('run-x');
  });

  it('two processes writing one run: each creation wins once, ids stay strictly increasing', async () => {
    const dataDir = temp.dir();
    const world = temp.world({ dataDir });
    const runId = (await world.events.create(null, runCreated())).run!.runId;
    const stepIds = Array.from({ length: 40 }, (_, i) => `step_${i}`);
    const children = [0, 1].map(() => startChild('steps', { dataDir, runId, stepIds }));
    // This process races them too.
    const mine = stepIds.map((stepId) =>
      world.events
        .create(runId, {
          eventType: 'step_created',
          correlationId: stepId,
          specVersion: 3,
          eventData: { stepName: 's', input: new Uint8Array([1]) },
        })
        .then(
          () => 1,
          (error) => {
            expect(error.name).toBe('EntityConflictError');
            return 0;
          },
        ),
    );
    const wonHere = (await Promise.all(mine)).reduce((sum: number, n) => sum + n, 0);
    for (const child of children) await child.waitFor(/^done$/);
    const wonThere = children.flatMap((child) => child.lines.filter((l) => l.startsWith('won ')));
    expect(wonHere + wonThere.length).toBe(stepIds.length);

    const events = (await world.events.list({ runId })).data;
    const created = events
      .filter((e) => e.eventType === 'step_created')
      .map((e) => e.correlationId);
    expect(created.sort()).toEqual([...stepIds].sort());
    const ids = events.map((e) => e.eventId);
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
  });

  it('a reader in this process tails a stream another process writes', async () => {
    const dataDir = temp.dir();
    const world = temp.world({ dataDir, streamPollIntervalMs: 1000 });
    const stream = await world.readFromStream('strm_shared');
    const chunks = ['one', 'two', 'three'];
    startChild('stream', { dataDir, name: 'strm_shared', chunks });
    const read: string[] = [];
    for await (const chunk of stream) read.push(new TextDecoder().decode(chunk));
    expect(read).toEqual(chunks);
  });

  it('a message leased by a killed consumer is redelivered by another process', async () => {
    const dataDir = temp.dir();
    const producer = createWorld({ dataDir });
    const { messageId } = await producer.queue('__wkf_workflow_w', {
      runId: 'wrun_lease',
    } as never);
    await producer.close();

    const child = startChild('hangingConsumer', { dataDir, leaseMs: 60_000 });
    await child.waitFor(new RegExp(`^delivered ${messageId}$`));
    expect(listQueuedMessages({ dataDir })[0]).toMatchObject({ id: messageId, leased: true });
    await child.kill();

    const { serveQueueHandlers } = await import('@worldkit/world');
    const attempts: number[] = [];
    const served = await serveQueueHandlers({
      flow: temp.world({ dataDir }).createQueueHandler('__wkf_workflow_', async (_m, meta) => {
        attempts.push(meta.attempt);
      }),
    });
    try {
      const consumer = temp.world({
        dataDir,
        baseUrl: served.baseUrl,
        leaseMs: 60_000,
        queuePollIntervalMs: 20,
        recoverActiveRuns: false,
      });
      await consumer.start();
      // Well before the 60 s lease lapses: the holder is known dead.
      await eventually(
        () => (listQueuedMessages({ dataDir }).length === 0 ? true : undefined),
        'ack',
      );
      expect(attempts).toEqual([2]);
    } finally {
      await served.close();
    }
  });
});
