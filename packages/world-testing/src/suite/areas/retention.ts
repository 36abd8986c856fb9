import type { PruneOptions, PruneReport, World } from '@worldkit/world';
import { expect } from 'vitest';
import { expectRejects, type RunSnapshot, snapshotRun } from '../assertions.js';
import type { ConformanceCase } from '../context.js';
import {
  append,
  collect,
  createRun,
  createRunWithHook,
  createRunWithStep,
  ev,
  sleep,
} from '../fixtures.js';
import { newHookId, newStepId, newToken, newWaitId, streamName } from '../names.js';

type Ending = 'completed' | 'failed' | 'cancelled';

const ENDINGS: Ending[] = ['completed', 'failed', 'cancelled'];

function endEvent(ending: Ending) {
  if (ending === 'completed') return ev.runCompleted();
  if (ending === 'failed') return ev.runFailed();
  return ev.runCancelled();
}

/** `world.prune(options)`; a World that declares retention without it fails here. */
function prune(world: World, options: PruneOptions): Promise<PruneReport> {
  if (typeof world.prune !== 'function') {
    throw new Error('the World declares retention but has no prune()');
  }
  return world.prune(options);
}

/**
 * Waits until the clock has passed `completedAt`: a prune with `olderThan: 0` deletes a run only
 * if it finished strictly before the prune's cutoff (now).
 */
async function pastCompletion(...completedAt: Date[]): Promise<void> {
  const latest = Math.max(...completedAt.map((date) => date.getTime()));
  while (Date.now() <= latest) await sleep(1);
}

/** A run that owns one of everything: a completed step, a hook that received a payload, a wait, a stream. */
async function ownerRun(world: World, ending: Ending) {
  const runId = await createRun(world);
  const stepId = newStepId();
  const hookId = newHookId();
  const token = newToken();
  const waitId = newWaitId();
  const stream = streamName();
  await append(world, runId, ev.stepCreated(stepId));
  await append(world, runId, ev.stepStarted(stepId));
  await append(world, runId, ev.stepCompleted(stepId));
  await append(world, runId, ev.hookCreated(hookId, token));
  await append(world, runId, ev.hookReceived(hookId, token));
  await append(world, runId, ev.waitCreated(waitId, new Date(Date.now() + 60_000)));
  await world.writeToStream(stream, runId, 'one');
  await world.writeToStream(stream, runId, 'two');
  const ended = await append(world, runId, endEvent(ending));
  const completedAt = ended.run?.completedAt;
  expect(completedAt, `${ending} run: completedAt`).toBeInstanceOf(Date);
  return { runId, stepId, hookId, token, waitId, stream, completedAt: completedAt! };
}

type OwnerRun = Awaited<ReturnType<typeof ownerRun>>;

/** `count` completed runs, each finished in a later millisecond than the one before. */
async function finishedRuns(world: World, count: number): Promise<string[]> {
  const runIds: string[] = [];
  for (let i = 0; i < count; i++) {
    const runId = await createRun(world);
    const ended = await append(world, runId, ev.runCompleted());
    await pastCompletion(ended.run!.completedAt!);
    runIds.push(runId);
  }
  return runIds;
}

/** Deletes every finished run there is, so that a case's counts are its own. */
async function pruneEverything(world: World): Promise<void> {
  await sleep(2);
  await prune(world, { olderThan: 0 });
}

async function exists(world: World, runId: string): Promise<boolean> {
  try {
    await world.runs.get(runId);
    return true;
  } catch (error) {
    if ((error as Error).name === 'WorkflowRunNotFoundError') return false;
    throw error;
  }
}

/** The run's events: all of them in one page, empty or not found once it is gone. */
async function eventsOf(world: World, runId: string) {
  try {
    return (await world.events.list({ runId, pagination: { limit: 1000 } })).data;
  } catch (error) {
    if ((error as Error).name === 'WorkflowRunNotFoundError') return [];
    throw error;
  }
}

/** Whether a live reader of the stream gets a chunk within a few polls. */
async function streamYieldsChunk(world: World, name: string, waitMs: number): Promise<boolean> {
  const reader = (await world.readFromStream(name)).getReader();
  try {
    const first = await Promise.race([reader.read(), sleep(waitMs).then(() => undefined)]);
    return first !== undefined && !first.done;
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/** Nothing of a pruned run can be read, by any read of the contract. */
async function expectNothingLeft(world: World, owned: OwnerRun, pollIntervalMs: number) {
  const { runId, stepId, hookId, token, waitId, stream } = owned;
  await expectRejects('runs.get of a pruned run', world.runs.get(runId), {
    name: 'WorkflowRunNotFoundError',
  });
  expect(await eventsOf(world, runId), 'events.list of a pruned run').toEqual([]);
  expect((await world.steps.list({ runId })).data, 'steps.list of a pruned run').toEqual([]);
  await expectRejects('steps.get of a pruned run', world.steps.get(runId, stepId), {
    name: 'WorkflowWorldError',
    status: 404,
  });
  expect((await world.hooks.list({ runId })).data, 'hooks.list of a pruned run').toEqual([]);
  await expectRejects('hooks.get of a pruned run', world.hooks.get(hookId), {
    name: 'HookNotFoundError',
  });
  await expectRejects('hooks.getByToken of a pruned run', world.hooks.getByToken(token), {
    name: 'HookNotFoundError',
  });
  for (const correlationId of [stepId, hookId, waitId]) {
    const page = await world.events.listByCorrelationId({ correlationId });
    expect(page.data, `listByCorrelationId(${correlationId}) of a pruned run`).toEqual([]);
  }
  const runs = await collect((cursor) =>
    world.runs.list({ pagination: { limit: 100, ...(cursor === undefined ? {} : { cursor }) } }),
  );
  expect(
    runs.map((run) => run.runId),
    'runs.list lists a pruned run',
  ).not.toContain(runId);
  expect(await world.listStreamsByRunId(runId), 'listStreamsByRunId of a pruned run').toEqual([]);
  expect(
    (await world.getStreamChunks(stream, runId)).data,
    'getStreamChunks of a pruned run',
  ).toEqual([]);
  expect(await world.getStreamInfo(stream, runId), 'getStreamInfo of a pruned run').toEqual({
    tailIndex: -1,
    done: false,
  });
  expect(
    await streamYieldsChunk(world, stream, 2 * pollIntervalMs),
    'readFromStream of a pruned run still yields its chunks',
  ).toBe(false);
}

/** Everything readable about a run, its streams included: what a prune must leave as it was. */
async function fullSnapshot(world: World, runId: string) {
  const run: RunSnapshot = await snapshotRun(world, runId);
  const streams = await world.listStreamsByRunId(runId);
  const chunks = await Promise.all(
    streams.map(async (name) => (await world.getStreamChunks(name, runId)).data),
  );
  return { ...run, streams, chunks };
}

export const retentionCases: ConformanceCase[] = [
  {
    name: 'prune() reports its cutoff, the runs it deleted and no ids without dryRun',
    requires: ['retention'],
    async run(t) {
      const world = await t.world();
      const hour = 3_600_000;
      const before = Date.now();
      const report = await prune(world, { olderThan: '2h' });
      const after = Date.now();
      expect(report.cutoff).toBeInstanceOf(Date);
      expect(report.cutoff.getTime()).toBeGreaterThanOrEqual(before - 2 * hour);
      expect(report.cutoff.getTime()).toBeLessThanOrEqual(after - 2 * hour);
      expect(report.dryRun).toBe(false);
      expect(typeof report.runs).toBe('number');
      expect(report.runIds).toEqual([]);
      const inMs = await prune(world, { olderThan: hour, dryRun: true });
      expect(inMs.dryRun).toBe(true);
      expect(inMs.cutoff.getTime()).toBeLessThanOrEqual(Date.now() - hour);
    },
  },
  ...ENDINGS.map(
    (ending): ConformanceCase => ({
      name: `a ${ending} run older than the cutoff is deleted with its events, steps, hooks, waits and streams`,
      requires: ['retention'],
      async run(t) {
        const world = await t.world();
        const owned = await ownerRun(world, ending);
        await pastCompletion(owned.completedAt);
        const report = await prune(world, { olderThan: 0 });
        expect(report.runs, 'the report counts the deleted run').toBeGreaterThanOrEqual(1);
        await expectNothingLeft(world, owned, t.timing.pollIntervalMs);
      },
    }),
  ),
  {
    name: "a pruned run's hook token misses in getByToken and a new run can claim it",
    requires: ['retention'],
    async run(t) {
      const world = await t.world();
      const { runId, token } = await createRunWithHook(world);
      const ended = await append(world, runId, ev.runCancelled());
      await pastCompletion(ended.run!.completedAt!);
      await prune(world, { olderThan: 0 });
      await expectRejects('getByToken of a pruned run', world.hooks.getByToken(token), {
        name: 'HookNotFoundError',
      });
      const claimer = await createRun(world);
      const hookId = newHookId();
      const claimed = await append(world, claimer, ev.hookCreated(hookId, token));
      expect(claimed.event?.eventType, 'the token is free again: no hook_conflict').toBe(
        'hook_created',
      );
      const hook = await world.hooks.getByToken(token);
      expect([hook.runId, hook.hookId]).toEqual([claimer, hookId]);
    },
  },
  {
    name: 'pending, running and waiting runs are never deleted and stay writable',
    requires: ['retention'],
    async run(t) {
      const world = await t.world();
      const pending = await createRun(world, { started: false });
      const running = await createRun(world);
      const stepping = await createRunWithStep(world, 'running');
      const hooked = await createRunWithHook(world);
      const sleeping = await createRun(world);
      const waitId = newWaitId();
      await append(world, sleeping, ev.waitCreated(waitId, new Date(Date.now() + 60_000)));
      const stream = streamName();
      await world.writeToStream(stream, running, 'chunk');
      const runIds = [pending, running, stepping.runId, hooked.runId, sleeping];
      const before = await Promise.all(runIds.map((runId) => fullSnapshot(world, runId)));
      // Old enough by any clock: a World that prunes by creation time deletes them now.
      await sleep(5);
      await prune(world, { olderThan: 0 });
      const after = await Promise.all(runIds.map((runId) => fullSnapshot(world, runId)));
      expect(after, 'a prune changed a run that is not finished').toEqual(before);
      expect((await world.hooks.getByToken(hooked.token)).runId).toBe(hooked.runId);

      await append(world, pending, ev.runStarted());
      await append(world, running, ev.stepCreated(newStepId()));
      await append(world, stepping.runId, ev.stepCompleted(stepping.stepId));
      await append(world, hooked.runId, ev.hookReceived(hooked.hookId, hooked.token));
      await append(world, sleeping, ev.waitCompleted(waitId));
      await world.writeToStream(stream, running, 'more');
      for (const runId of runIds) {
        const ended = await append(world, runId, ev.runCompleted());
        expect(ended.run?.status, `${runId} still takes writes`).toBe('completed');
      }
    },
  },
  {
    name: 'finished runs younger than olderThan are kept whole',
    requires: ['retention'],
    async run(t) {
      const world = await t.world();
      const owned = await ownerRun(world, 'completed');
      await pastCompletion(owned.completedAt);
      const before = await fullSnapshot(world, owned.runId);
      const dry = await prune(world, { olderThan: '1h', dryRun: true });
      expect(dry.runIds, 'a dry run lists a run younger than the cutoff').not.toContain(
        owned.runId,
      );
      await prune(world, { olderThan: '1h' });
      await prune(world, { olderThan: 60_000 });
      expect(await fullSnapshot(world, owned.runId)).toEqual(before);
    },
  },
  {
    name: 'dryRun lists the runs that would go, oldest first, and deletes nothing',
    requires: ['retention'],
    async run(t) {
      const world = await t.world();
      await pruneEverything(world);
      const runIds = await finishedRuns(world, 3);
      const before = await Promise.all(runIds.map((runId) => fullSnapshot(world, runId)));
      const report = await prune(world, { olderThan: 0, dryRun: true });
      expect(report.dryRun).toBe(true);
      expect(report.runIds, 'the ids, oldest first').toEqual(runIds);
      expect(report.runs).toBe(3);
      const limited = await prune(world, { olderThan: 0, dryRun: true, limit: 2 });
      expect(limited.runIds).toEqual(runIds.slice(0, 2));
      expect(limited.runs).toBe(2);
      const after = await Promise.all(runIds.map((runId) => fullSnapshot(world, runId)));
      expect(after, 'a dry run changed a run').toEqual(before);
    },
  },
  {
    name: 'limit stops after that many runs, the oldest',
    requires: ['retention'],
    async run(t) {
      const world = await t.world();
      await pruneEverything(world);
      const runIds = await finishedRuns(world, 4);
      const report = await prune(world, { olderThan: 0, limit: 2 });
      expect(report.runs).toBe(2);
      const left = await Promise.all(runIds.map((runId) => exists(world, runId)));
      expect(left, 'the two oldest go, the others stay').toEqual([false, false, true, true]);
      expect((await prune(world, { olderThan: 0, limit: 5 })).runs).toBe(2);
    },
  },
  {
    name: 'a batchSize below the number of runs that qualify still deletes them all, batch by batch',
    requires: ['retention'],
    async run(t) {
      const world = await t.world();
      await pruneEverything(world);
      const runIds = await finishedRuns(world, 5);
      expect((await prune(world, { olderThan: 0, batchSize: 2 })).runs).toBe(5);
      for (const runId of runIds) expect(await exists(world, runId), runId).toBe(false);
      const more = await finishedRuns(world, 5);
      expect((await prune(world, { olderThan: 0, batchSize: 2, limit: 3 })).runs).toBe(3);
      const left = await Promise.all(more.map((runId) => exists(world, runId)));
      expect(left).toEqual([false, false, false, true, true]);
    },
  },
  {
    name: 'a reader during a prune sees each run whole or not at all',
    requires: ['retention'],
    async run(t) {
      const world = await t.world();
      const reader = await t.openWorld();
      const expected = new Map<string, { events: number; steps: number }>();
      const completions: Date[] = [];
      for (let r = 0; r < 3; r++) {
        const runId = await createRun(world);
        for (let s = 0; s < 12; s++) {
          const stepId = newStepId();
          await append(world, runId, ev.stepCreated(stepId));
          await append(world, runId, ev.stepStarted(stepId));
          await append(world, runId, ev.stepCompleted(stepId));
        }
        const ended = await append(world, runId, ev.runCompleted());
        completions.push(ended.run!.completedAt!);
        expected.set(runId, { events: (await eventsOf(world, runId)).length, steps: 12 });
      }
      await pastCompletion(...completions);

      let pruning = true;
      let reads = 0;
      const poll = (async () => {
        while (pruning) {
          // A turn of the event loop per round: a World whose reads never wait must not starve the prune.
          await sleep(0);
          for (const [runId, whole] of expected) {
            const [events, steps] = await Promise.all([
              eventsOf(reader, runId),
              reader.steps.list({ runId, pagination: { limit: 1000 } }),
            ]);
            expect([0, whole.events], `events of ${runId} read during a prune`).toContain(
              events.length,
            );
            expect([0, whole.steps], `steps of ${runId} read during a prune`).toContain(
              steps.data.length,
            );
            reads++;
          }
        }
      })();
      // Its failure is reported after the prune, by the await below.
      poll.catch(() => {});
      try {
        await prune(world, { olderThan: 0, batchSize: 1 });
      } finally {
        pruning = false;
        await poll;
      }
      expect(reads).toBeGreaterThan(0);
      for (const runId of expected.keys()) expect(await exists(reader, runId)).toBe(false);
    },
  },
  {
    name: 'a step completing on a cancelled run during its prune: the run stays whole with it, or goes whole',
    requires: ['retention'],
    async run(t) {
      const world = await t.world();
      for (let round = 0; round < 5; round++) {
        const { runId, stepId } = await createRunWithStep(world, 'running');
        const cancelled = await append(world, runId, ev.runCancelled());
        await pastCompletion(cancelled.run!.completedAt!);
        const [write, pruned] = await Promise.allSettled([
          append(world, runId, ev.stepCompleted(stepId)),
          prune(world, { olderThan: 0 }),
        ]);
        if (pruned.status === 'rejected') throw pruned.reason;
        if (write.status === 'rejected') {
          expect(
            (write.reason as Error).name,
            'a step write refused during a prune: only because the run was gone',
          ).toBe('WorkflowRunNotFoundError');
        }
        const events = await eventsOf(world, runId);
        const steps = (await world.steps.list({ runId })).data;
        const correlated = (await world.events.listByCorrelationId({ correlationId: stepId })).data;
        if (await exists(world, runId)) {
          expect(write.status, 'the run was kept, so the write was accepted').toBe('fulfilled');
          expect(events.map((event) => event.eventType)).toContain('step_completed');
          expect(steps.map((step) => step.status)).toEqual(['completed']);
        } else {
          expect(events, 'a pruned run left events').toEqual([]);
          expect(steps, 'a pruned run left steps').toEqual([]);
          expect(correlated, 'a pruned run left correlated events').toEqual([]);
        }
      }
    },
  },
  {
    name: 'two prunes at once delete each run once',
    requires: ['retention'],
    async run(t) {
      const world = await t.world();
      const other = await t.openWorld();
      await pruneEverything(world);
      const runIds = await finishedRuns(world, 6);
      const [a, b] = await Promise.all([
        prune(world, { olderThan: 0, batchSize: 2 }),
        prune(other, { olderThan: 0, batchSize: 2 }),
      ]);
      expect(a.runs + b.runs, 'runs deleted by both prunes together').toBe(6);
      for (const runId of runIds) expect(await exists(world, runId), runId).toBe(false);
    },
  },
  {
    name: 'bad options are refused with InvalidInputError and delete nothing',
    requires: ['retention'],
    async run(t) {
      const world = await t.world();
      const [runId] = await finishedRuns(world, 1);
      const refusals: [string, PruneOptions, string][] = [
        ["olderThan: 'soon'", { olderThan: 'soon' }, 'olderThan'],
        ['olderThan: -1', { olderThan: -1 }, 'olderThan'],
        ['batchSize: 0', { olderThan: 0, batchSize: 0 }, 'batchSize'],
        ['batchSize: 1.5', { olderThan: 0, batchSize: 1.5 }, 'batchSize'],
        ['limit: 0', { olderThan: 0, limit: 0 }, 'limit'],
      ];
      for (const [what, options, field] of refusals) {
        await expectRejects(`prune({ ${what} })`, () => prune(world, options), {
          name: 'WorkflowWorldError',
          status: 400,
          code: 'INVALID_INPUT',
          field,
        });
      }
      expect(await exists(world, runId!), 'a refused prune deleted a run').toBe(true);
    },
  },
  {
    name: 'after a prune, new runs work as usual',
    requires: ['retention'],
    async run(t) {
      const world = await t.world();
      const gone = await ownerRun(world, 'completed');
      await pastCompletion(gone.completedAt);
      await prune(world, { olderThan: 0 });
      const owned = await ownerRun(world, 'completed');
      const snapshot = await fullSnapshot(world, owned.runId);
      expect(snapshot.run?.status).toBe('completed');
      expect(snapshot.steps.map((step) => step.status)).toEqual(['completed']);
      expect(snapshot.events.at(-1)?.eventType).toBe('run_completed');
      expect(snapshot.streams).toEqual([owned.stream]);
      expect(snapshot.chunks[0]?.length).toBe(2);
      const { token } = await createRunWithHook(world);
      expect((await world.hooks.getByToken(token)).token).toBe(token);
    },
  },
  {
    name: 'a run pruned by one process reads as gone in another that had read it',
    requires: ['retention', 'multiProcess'],
    async run(t) {
      const world = await t.world();
      const child = await t.spawnProcess();
      const owned = await ownerRun(world, 'completed');
      // The child reads everything first: a World may keep what it has read.
      await child.call('runs.get', owned.runId);
      await child.call('events.list', { runId: owned.runId });
      await child.call('getStreamChunks', owned.stream, owned.runId);
      await pastCompletion(owned.completedAt);
      await prune(world, { olderThan: 0 });
      await expectRejects('runs.get in the other process', child.call('runs.get', owned.runId), {
        name: 'WorkflowRunNotFoundError',
      });
      const page = await child
        .call<{ data: unknown[] }>('events.list', { runId: owned.runId })
        .catch((error: Error) => {
          expect(error.name).toBe('WorkflowRunNotFoundError');
          return { data: [] };
        });
      expect(page.data, 'events.list in the other process').toEqual([]);
      const chunks = await child.call<{ data: unknown[] }>(
        'getStreamChunks',
        owned.stream,
        owned.runId,
      );
      expect(chunks.data, 'getStreamChunks in the other process').toEqual([]);

      // And the other way round: the child prunes a run this process has read.
      const other = await ownerRun(world, 'failed');
      await fullSnapshot(world, other.runId);
      await pastCompletion(other.completedAt);
      await child.call('prune', { olderThan: 0 });
      await expectNothingLeft(world, other, t.timing.pollIntervalMs);
    },
  },
];
