import { setTimeout as sleep } from 'node:timers/promises';
import { newId, serveQueueHandlers } from '@worldkit/world';
import { waitFor } from '@worldkit/world-testing';
import type { Cluster, Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { RedisWorld, RedisWorldOptions } from '../src/index.js';
import { KeyLayout } from '../src/keys.js';
import { testPrefix } from './helpers.js';

/** Where the retention cases run: one server, or a Redis Cluster. */
export interface RetentionTarget {
  name: string;
  keyTags: 'run' | 'single';
  createWorld(prefix: string, options?: RedisWorldOptions): RedisWorld;
  /** A client that reads any key of the target. */
  client(): Promise<Redis | Cluster>;
  /** Every key under a prefix. */
  keys(prefix: string): Promise<string[]>;
  deleteKeys(prefix: string): Promise<void>;
}

/** Every key under a prefix with its contents as sorted lines (values as latin1 text). */
type Dump = Map<string, string[]>;

const bytes = (...values: number[]) => new Uint8Array(values);

/** Runs that finished in the current millisecond are not older than 0 ms yet: wait it out. */
const nextMillisecond = () => sleep(5);

/**
 * prune() checked against the keys themselves: a pruned run leaves no key and no index entry
 * behind, everything else stays byte for byte.
 */
export function describeRetention(target: RetentionTarget): void {
  describe(`retention on ${target.name}`, () => {
    const used: { prefix: string; worlds: RedisWorld[]; close: (() => Promise<void>)[] }[] = [];

    /** A World on a fresh prefix, closed and deleted after the case. */
    function freshWorld(options?: RedisWorldOptions) {
      const prefix = testPrefix('retention');
      const world = target.createWorld(prefix, options);
      used.push({ prefix, worlds: [world], close: [] });
      return { prefix, world, layout: new KeyLayout(prefix, target.keyTags) };
    }

    afterEach(async () => {
      for (const { prefix, worlds, close } of used.splice(0)) {
        await Promise.all(worlds.map((world) => world.close()));
        await Promise.all(close.map((end) => end()));
        await target.deleteKeys(prefix);
      }
    });

    async function dump(prefix: string): Promise<Dump> {
      const client = await target.client();
      try {
        const result: Dump = new Map();
        for (const key of (await target.keys(prefix)).sort())
          result.set(key, await contents(client, key));
        return result;
      } finally {
        client.disconnect();
      }
    }

    /** The only key a World keeps once every run is gone: the creation-order counter. */
    const emptyWorldKeys = (layout: KeyLayout) => [`${layout.globalScope}run-order`];

    it('deletes finished runs with everything they own, leaving no key behind', async () => {
      const { prefix, world, layout } = freshWorld();
      const completed = await runOwningEverything(world);
      // A hook_created for a token the first run holds: a hook_conflict in this one.
      const failed = await runOwningEverything(world);
      const conflicting = newId('hook');
      await world.events.create(failed.runId, {
        eventType: 'hook_created',
        correlationId: conflicting,
        eventData: { token: completed.token },
      });
      const cancelled = await runOwningEverything(world);
      await world.events.create(completed.runId, {
        eventType: 'run_completed',
        eventData: { output: bytes(1) },
      });
      await world.events.create(failed.runId, {
        eventType: 'run_failed',
        eventData: { error: { message: 'boom' } },
      });
      await world.events.create(cancelled.runId, { eventType: 'run_cancelled' });
      // Legal after the cancellation: a step that was running finishes.
      await world.events.create(cancelled.runId, {
        eventType: 'step_completed',
        correlationId: cancelled.runningStepId,
        eventData: { result: bytes(2) },
      });
      expect((await dump(prefix)).size).toBeGreaterThan(30);

      await nextMillisecond();
      const report = await world.prune({ olderThan: 0 });

      expect(report).toMatchObject({ dryRun: false, runs: 3, runIds: [] });
      expect([...(await dump(prefix)).keys()]).toEqual(emptyWorldKeys(layout));
      for (const run of [completed, failed, cancelled]) await expectPruned(world, run);
      // The released token can be claimed again.
      const claimant = await startedRun(world);
      const claimed = await world.events.create(claimant, {
        eventType: 'hook_created',
        correlationId: newId('hook'),
        eventData: { token: completed.token },
      });
      expect(claimed.hook?.token).toBe(completed.token);
    });

    it('keeps unfinished runs and runs finished after the cutoff, byte for byte', async () => {
      const { prefix, world } = freshWorld();
      const old = await runOwningEverything(world);
      await world.events.create(old.runId, { eventType: 'run_cancelled' });
      await sleep(50);
      const cutoff = Date.now();
      await sleep(50);
      const pending = newId('run');
      await world.events.create(pending, {
        eventType: 'run_created',
        eventData: { deploymentId: 'd', workflowName: 'wf', input: bytes(1) },
      });
      const running = await runOwningEverything(world);
      const waiting = await startedRun(world);
      await world.events.create(waiting, {
        eventType: 'wait_created',
        correlationId: newId('wait'),
        eventData: { resumeAt: new Date(Date.now() + 3_600_000) },
      });
      const recent = await runOwningEverything(world);
      await world.events.create(recent.runId, {
        eventType: 'run_completed',
        eventData: { output: bytes(3) },
      });
      const before = await dump(prefix);

      const report = await world.prune({ olderThan: Date.now() - cutoff });

      expect(report.runs).toBe(1);
      expect(report.cutoff.getTime()).toBeGreaterThanOrEqual(cutoff);
      expect(await dump(prefix)).toEqual(without(before, old.ids));
      await expectPruned(world, old);
      for (const runId of [pending, running.runId, waiting, recent.runId])
        await expect(world.runs.get(runId)).resolves.toMatchObject({ runId });
    });

    it('a dry run lists the runs that would go, oldest first, and changes nothing', async () => {
      const { prefix, world } = freshWorld();
      const finished: string[] = [];
      for (let i = 0; i < 3; i++) {
        const runId = await startedRun(world);
        await world.events.create(runId, { eventType: 'run_cancelled' });
        finished.push(runId);
        await sleep(5);
      }
      await startedRun(world);
      const before = await dump(prefix);

      await nextMillisecond();
      const report = await world.prune({ olderThan: 0, dryRun: true, batchSize: 2 });
      expect(report).toMatchObject({ dryRun: true, runs: 3, runIds: finished });
      const limited = await world.prune({ olderThan: 0, dryRun: true, batchSize: 1, limit: 2 });
      expect(limited).toMatchObject({ runs: 2, runIds: finished.slice(0, 2) });
      expect(await dump(prefix)).toEqual(before);
    });

    it('deletes in batches, oldest first, up to the limit', async () => {
      const { prefix, world, layout } = freshWorld();
      const finished: string[] = [];
      for (let i = 0; i < 7; i++) {
        const runId = await startedRun(world);
        await world.events.create(runId, { eventType: 'run_completed', eventData: {} });
        finished.push(runId);
        await sleep(2);
      }

      await nextMillisecond();
      expect((await world.prune({ olderThan: 0, batchSize: 3, limit: 5 })).runs).toBe(5);
      for (const runId of finished.slice(0, 5))
        await expect(world.runs.get(runId)).rejects.toThrow(/not found/);
      for (const runId of finished.slice(5))
        await expect(world.runs.get(runId)).resolves.toMatchObject({ status: 'completed' });
      expect((await world.prune({ olderThan: 0, batchSize: 3 })).runs).toBe(2);
      expect([...(await dump(prefix)).keys()]).toEqual(emptyWorldKeys(layout));
    });

    it('keeps a finished run while a workflow message for it is live, and prunes it once acknowledged', async () => {
      const { prefix, world } = freshWorld();
      const served = await serveQueueHandlers({
        flow: world.createQueueHandler('__wkf_workflow_', async () => {}),
      });
      used.at(-1)!.close.push(() => served.close());
      const runId = await startedRun(world);
      await world.events.create(runId, { eventType: 'run_cancelled' });
      await world.queue('__wkf_workflow_wf', { runId });

      await nextMillisecond();
      const dry = await world.prune({ olderThan: 0, dryRun: true });
      expect(dry.runIds).toEqual([]);
      expect((await world.prune({ olderThan: 0 })).runs).toBe(0);
      await expect(world.runs.get(runId)).resolves.toMatchObject({ status: 'cancelled' });

      const consumer = target.createWorld(prefix, {
        baseUrl: served.baseUrl,
        pollIntervalMs: 50,
        recoverActiveRuns: false,
      });
      used.at(-1)!.worlds.push(consumer);
      await consumer.start();
      await waitFor(async () => (await world.prune({ olderThan: 0 })).runs === 1, {
        what: 'the run to be pruned once its message was acknowledged',
      });
      const left = await dump(prefix);
      expect([...left].filter(([key, lines]) => mentions([key, ...lines], [runId]))).toEqual([]);
    });

    it('a step finishing while its cancelled run is pruned leaves the run whole or gone', async () => {
      const { prefix, world } = freshWorld();
      const runs = [];
      for (let i = 0; i < 20; i++) {
        const runId = await startedRun(world);
        const stepId = await startedStep(world, runId);
        await world.events.create(runId, { eventType: 'run_cancelled' });
        runs.push({ runId, stepId });
      }

      await nextMillisecond();
      const [writes, report] = await Promise.all([
        Promise.allSettled(
          runs.map(({ runId, stepId }) =>
            world.events.create(runId, {
              eventType: 'step_completed',
              correlationId: stepId,
              eventData: { result: bytes(4) },
            }),
          ),
        ),
        world.prune({ olderThan: 0, batchSize: 3, limit: 10 }),
      ]);

      expect(report.runs).toBe(10);
      const left = await dump(prefix);
      let gone = 0;
      for (const [i, { runId, stepId }] of runs.entries()) {
        const write = writes[i]!;
        const run = await world.runs.get(runId).catch(() => undefined);
        if (run === undefined) {
          gone += 1;
          // Written before the prune (and deleted with the run) or refused after it.
          if (write.status === 'rejected')
            expect(write.reason).toMatchObject({ name: 'WorkflowRunNotFoundError' });
          expect([...left].filter(([key, lines]) => mentions([key, ...lines], [runId]))).toEqual(
            [],
          );
        } else {
          expect(write.status).toBe('fulfilled');
          const events = await world.events.list({ runId });
          expect(events.data.at(-1)).toMatchObject({ eventType: 'step_completed' });
          await expect(world.steps.get(runId, stepId)).resolves.toMatchObject({
            status: 'completed',
          });
        }
      }
      expect(gone).toBe(10);
    });

    it('prunes runs that finished before the finished-runs index existed', async () => {
      const { prefix, world, layout } = freshWorld();
      for (let i = 0; i < 3; i++) {
        const runId = await runOwningEverything(world);
        await world.events.create(runId.runId, { eventType: 'run_cancelled' });
      }
      const client = await target.client();
      await client.del(layout.global.finished);
      client.disconnect();

      await nextMillisecond();
      expect((await world.prune({ olderThan: 0, batchSize: 2 })).runs).toBe(3);
      expect([...(await dump(prefix)).keys()]).toEqual(emptyWorldKeys(layout));
    });

    it('concurrent prunes delete each run once', async () => {
      const { prefix, world, layout } = freshWorld();
      for (let i = 0; i < 20; i++) {
        const runId = await startedRun(world);
        await world.events.create(runId, { eventType: 'run_cancelled' });
      }

      await nextMillisecond();
      const reports = await Promise.all(
        [1, 2, 3].map(() => world.prune({ olderThan: 0, batchSize: 4 })),
      );

      expect(reports.reduce((sum, report) => sum + report.runs, 0)).toBe(20);
      expect([...(await dump(prefix)).keys()]).toEqual(emptyWorldKeys(layout));
    });

    it('indexes a run by its completion time in the event that ends it', async () => {
      const { world, layout } = freshWorld();
      const finished = await startedRun(world);
      const running = await startedRun(world);
      const ended = await world.events.create(finished, {
        eventType: 'run_failed',
        eventData: { error: { message: 'boom' } },
      });
      const client = await target.client();
      try {
        const index = await client.zrange(layout.global.finished, 0, -1, 'WITHSCORES');
        expect(index).toEqual([finished, String(ended.run!.completedAt!.getTime())]);
        expect(index).not.toContain(running);
      } finally {
        client.disconnect();
      }
    });

    it('refuses bad options before deleting anything', async () => {
      const { world } = freshWorld();
      const runId = await startedRun(world);
      await world.events.create(runId, { eventType: 'run_cancelled' });
      await expect(world.prune({ olderThan: 'soon' })).rejects.toMatchObject({
        code: 'INVALID_INPUT',
      });
      await expect(world.prune({ olderThan: 0, batchSize: 0 })).rejects.toMatchObject({
        code: 'INVALID_INPUT',
      });
      await expect(world.runs.get(runId)).resolves.toMatchObject({ status: 'cancelled' });
    });
  });
}

async function contents(client: Redis | Cluster, key: string): Promise<string[]> {
  const text = (value: Buffer) => value.toString('latin1');
  switch (await client.type(key)) {
    case 'string':
      return [text((await client.getBuffer(key))!)];
    case 'hash':
      return Object.entries(await client.hgetallBuffer(key))
        .map(([field, value]) => `${field} ${text(value)}`)
        .sort();
    case 'set':
      return (await client.smembers(key)).sort();
    case 'zset': {
      const flat = await client.zrange(key, 0, -1, 'WITHSCORES');
      const lines: string[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) lines.push(`${flat[i]} ${flat[i + 1]}`);
      return lines.sort();
    }
    case 'stream':
      return (await client.xrangeBuffer(key, '-', '+')).map(
        ([id, fields]) => `${text(id)} ${fields.map(text).join(' ')}`,
      );
    case 'list':
      return client.lrange(key, 0, -1);
    default:
      throw new Error(`unexpected type of ${key}`);
  }
}

function mentions(texts: string[], ids: string[]): boolean {
  return texts.some((text) => ids.some((id) => text.includes(id)));
}

/** The dump without anything that mentions one of `ids`: keys, and lines of the other keys. */
function without(dump: Dump, ids: string[]): Dump {
  const result: Dump = new Map();
  for (const [key, lines] of dump) {
    if (mentions([key], ids)) continue;
    const kept = lines.filter((line) => !mentions([line], ids));
    if (kept.length > 0) result.set(key, kept);
  }
  return result;
}

async function startedRun(world: RedisWorld): Promise<string> {
  const runId = newId('run');
  await world.events.create(runId, {
    eventType: 'run_created',
    eventData: { deploymentId: 'd', workflowName: 'wf', input: bytes(1), executionContext: {} },
  });
  await world.events.create(runId, { eventType: 'run_started' });
  return runId;
}

async function startedStep(world: RedisWorld, runId: string): Promise<string> {
  const stepId = newId('step');
  await world.events.create(runId, {
    eventType: 'step_created',
    correlationId: stepId,
    eventData: { stepName: 's', input: bytes(2) },
  });
  await world.events.create(runId, { eventType: 'step_started', correlationId: stepId });
  return stepId;
}

interface OwningRun {
  runId: string;
  runningStepId: string;
  /** The token of its hook that is still active. */
  token: string;
  /** Every id it owns or used: its own, its steps', hooks', waits', streams' and tokens. */
  ids: string[];
}

/**
 * A running run with one of everything: a finished and a running step, a disposed and an active
 * hook, a completed and a pending wait, a closed and an open stream.
 */
async function runOwningEverything(world: RedisWorld): Promise<OwningRun> {
  const runId = await startedRun(world);
  const finishedStepId = await startedStep(world, runId);
  await world.events.create(runId, {
    eventType: 'step_completed',
    correlationId: finishedStepId,
    eventData: { result: bytes(3) },
  });
  const runningStepId = await startedStep(world, runId);
  const disposedHookId = newId('hook');
  const disposedToken = `token-${disposedHookId}`;
  await world.events.create(runId, {
    eventType: 'hook_created',
    correlationId: disposedHookId,
    eventData: { token: disposedToken },
  });
  await world.events.create(runId, {
    eventType: 'hook_received',
    correlationId: disposedHookId,
    eventData: { payload: bytes(4) },
  });
  await world.events.create(runId, { eventType: 'hook_disposed', correlationId: disposedHookId });
  const activeHookId = newId('hook');
  const token = `token-${activeHookId}`;
  await world.events.create(runId, {
    eventType: 'hook_created',
    correlationId: activeHookId,
    eventData: { token, metadata: bytes(5) },
  });
  const completedWaitId = newId('wait');
  const pendingWaitId = newId('wait');
  for (const waitId of [completedWaitId, pendingWaitId]) {
    await world.events.create(runId, {
      eventType: 'wait_created',
      correlationId: waitId,
      eventData: { resumeAt: new Date(Date.now() + 60_000) },
    });
  }
  await world.events.create(runId, { eventType: 'wait_completed', correlationId: completedWaitId });
  const closedStream = newId('stream');
  const openStream = newId('stream');
  await world.writeToStream(closedStream, runId, 'chunk');
  await world.closeStream(closedStream, runId);
  await world.writeToStream(openStream, runId, bytes(6));
  return {
    runId,
    runningStepId,
    token,
    ids: [
      runId,
      finishedStepId,
      runningStepId,
      disposedHookId,
      activeHookId,
      completedWaitId,
      pendingWaitId,
      closedStream,
      openStream,
      disposedToken,
      token,
    ],
  };
}

/** What the public API says of a pruned run: nothing at all. */
async function expectPruned(world: RedisWorld, run: OwningRun): Promise<void> {
  const { runId } = run;
  await expect(world.runs.get(runId)).rejects.toMatchObject({ name: 'WorkflowRunNotFoundError' });
  expect((await world.events.list({ runId })).data).toEqual([]);
  expect((await world.steps.list({ runId })).data).toEqual([]);
  expect((await world.hooks.list({ runId })).data).toEqual([]);
  expect(await world.listStreamsByRunId(runId)).toEqual([]);
  await expect(world.hooks.getByToken(run.token)).rejects.toMatchObject({
    name: 'HookNotFoundError',
  });
  await expect(world.steps.get(undefined, run.runningStepId)).rejects.toThrow(/not found/);
}
