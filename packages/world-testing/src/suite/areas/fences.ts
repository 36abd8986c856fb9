import { type CreateEventParams, type EventResult, idTime, type World } from '@worldkit/world';
import { expect } from 'vitest';
import { type ExpectedError, expectRejectedWithoutEffect } from '../assertions.js';
import type { ConformanceCase } from '../context.js';
import {
  allEvents,
  append,
  createRun,
  createRunWithHook,
  createRunWithStep,
  ev,
  sleep,
} from '../fixtures.js';
import { newHookId, newStepId, newToken, uid } from '../names.js';

const FENCE: ExpectedError = { name: 'EntityConflictError', status: 412, code: 'FENCE_CONFLICT' };
const PRECONDITION: ExpectedError = { name: 'PreconditionFailedError', status: 412 };

async function newestEventId(world: World, runId: string): Promise<string> {
  return (await allEvents(world, runId)).at(-1)!.eventId;
}

/** The ms time of the newest externally originated event: `hook_received` sent without a guard. */
async function receiveUnguarded(world: World, runId: string, hookId: string, token: string) {
  const result = await append(world, runId, ev.hookReceived(hookId, token));
  return idTime(result.event!.eventId)!;
}

/** A running run with a hook whose payload arrived unguarded; `marker` is that receive's time. */
async function signalledRun(world: World) {
  const hook = await createRunWithHook(world);
  return { ...hook, marker: await receiveUnguarded(world, hook.runId, hook.hookId, hook.token) };
}

/** A running run, and a fence that was its newest event until one more was appended. */
async function runWithStaleFence(world: World) {
  const runId = await createRun(world);
  const stale = await newestEventId(world, runId);
  await append(world, runId, ev.stepCreated(newStepId()));
  return { runId, stale };
}

/**
 * `event` (a step_created by default) written with a stale fence or snapshot in `params` is
 * refused (FENCE_CONFLICT, or PreconditionFailedError for a snapshot) and writes nothing.
 */
function expectStale(
  world: World,
  runId: string,
  params: CreateEventParams,
  what: string,
  event: Record<string, unknown> = ev.stepCreated(newStepId()),
) {
  const expected = params.lastKnownEventId === undefined ? PRECONDITION : FENCE;
  return expectRejectedWithoutEffect(
    world,
    runId,
    what,
    () => append(world, runId, event, params),
    expected,
  );
}

interface RacingRun {
  runId: string;
  hookId: string;
  token: string;
  /** The fence or snapshot the decision is written with. */
  params: CreateEventParams;
}

/**
 * A race repeated for at most 40 rounds, until the decision was refused 3 times: on a run that
 * `prepare` makes, a hook payload sent through another instance against a step_created decided
 * from what `prepare` loaded. The signal must always land and `check` judges each decision.
 * The signal is issued first in every round, so the guard must have fired at least once.
 */
function raceCase<T extends RacingRun>(
  name: string,
  guard: 'fence' | 'guard',
  prepare: (world: World) => Promise<T>,
  check: (world: World, run: T, decision: PromiseSettledResult<EventResult>) => Promise<void>,
): ConformanceCase {
  return {
    name,
    requires: guard === 'fence' ? fenced : guarded,
    async run(t) {
      const world = await t.world();
      const signaller = await t.openWorld();
      let refused = 0;
      for (let round = 0; round < 40 && refused < 3; round++) {
        const run = await prepare(world);
        const [signal, decision] = await Promise.allSettled([
          append(signaller, run.runId, ev.hookReceived(run.hookId, run.token)),
          append(world, run.runId, ev.stepCreated(newStepId()), run.params),
        ]);
        expect(signal.status, 'the unfenced signal must never be dropped').toBe('fulfilled');
        await check(world, run, decision);
        if (decision.status === 'rejected') refused++;
      }
      expect(refused, `the ${guard} never fired in 40 racing rounds`).toBeGreaterThan(0);
    },
  };
}

/** `write` appends an event that moves the fence: a write fenced before it is refused. */
async function expectAdvancesFence(
  world: World,
  runId: string,
  write: () => Promise<EventResult>,
  what: string,
): Promise<EventResult> {
  const before = await newestEventId(world, runId);
  const result = await write();
  await expectStale(world, runId, { lastKnownEventId: before }, what);
  return result;
}

/** A step_created written with `params` is accepted. */
async function expectAccepted(
  world: World,
  runId: string,
  params: CreateEventParams,
  message?: string,
) {
  const result = await append(world, runId, ev.stepCreated(newStepId()), params);
  expect(result.event?.eventType, message).toBe('step_created');
}

const fenced: ConformanceCase['requires'] = ['lastKnownEventIdFence'];
const guarded: ConformanceCase['requires'] = ['stateUpdatedAtGuard'];

export const fenceCases: ConformanceCase[] = [
  // ── lastKnownEventId ─────────────────────────────────────────────────────────────────────
  {
    name: 'lastKnownEventId equal to the newest event is accepted and advances the fence',
    requires: fenced,
    async run(t) {
      const world = await t.world();
      const runId = await createRun(world);
      const first = await append(world, runId, ev.stepCreated(newStepId()), {
        lastKnownEventId: await newestEventId(world, runId),
      });
      await expectAccepted(world, runId, { lastKnownEventId: first.event!.eventId });
    },
  },
  {
    name: 'a stale lastKnownEventId → 412 FENCE_CONFLICT named EntityConflictError, nothing written',
    requires: fenced,
    async run(t) {
      const world = await t.world();
      const { runId, stale } = await runWithStaleFence(world);
      const error = await expectStale(
        world,
        runId,
        { lastKnownEventId: stale },
        'step_created with a stale fence',
      );
      expect(String(error.message)).toMatch(/^fence conflict:/);
    },
  },
  {
    name: 'a lastKnownEventId that is no event of the run → FENCE_CONFLICT',
    requires: fenced,
    async run(t) {
      const world = await t.world();
      const runId = await createRun(world);
      const otherRunsFence = await newestEventId(world, await createRun(world));
      await expectStale(
        world,
        runId,
        { lastKnownEventId: otherRunsFence },
        'a fence from another run',
      );
    },
  },
  ...(
    [
      ['run_completed', () => ev.runCompleted()],
      ['wait_created', () => ev.waitCreated(`wait_${uid()}`, new Date())],
      ['hook_created', () => ev.hookCreated(newHookId(), newToken())],
      ['run_failed', () => ev.runFailed()],
    ] as const
  ).map(
    ([type, make]): ConformanceCase => ({
      name: `the fence guards ${type} too`,
      requires: fenced,
      async run(t) {
        const world = await t.world();
        const { runId, stale } = await runWithStaleFence(world);
        await expectStale(
          world,
          runId,
          { lastKnownEventId: stale },
          `${type} with a stale fence`,
          make(),
        );
      },
    }),
  ),
  {
    name: 'an unfenced hook_received advances the fence',
    requires: fenced,
    async run(t) {
      const world = await t.world();
      const { runId, hookId, token } = await createRunWithHook(world);
      await expectAdvancesFence(
        world,
        runId,
        () => append(world, runId, ev.hookReceived(hookId, token)),
        'a write fenced before the signal',
      );
    },
  },
  {
    name: 'a hook_conflict event advances the fence',
    requires: fenced,
    async run(t) {
      const world = await t.world();
      const holder = await createRunWithHook(world);
      const runId = await createRun(world);
      const conflict = await expectAdvancesFence(
        world,
        runId,
        () => append(world, runId, ev.hookCreated(newHookId(), holder.token)),
        'a write fenced before the hook_conflict',
      );
      expect(conflict.event?.eventType).toBe('hook_conflict');
      expect(await newestEventId(world, runId)).toBe(conflict.event?.eventId);
    },
  },
  {
    name: 'a fenced write that is refused does not advance the fence',
    requires: fenced,
    async run(t) {
      const world = await t.world();
      const runId = await createRun(world);
      const current = await newestEventId(world, runId);
      const stepId = newStepId();
      await append(world, runId, ev.stepCreated(stepId));
      const newest = await newestEventId(world, runId);
      // A refused duplicate (409) leaves the fence where it was.
      await expectRejectedWithoutEffect(
        world,
        runId,
        'duplicate step_created',
        () => append(world, runId, ev.stepCreated(stepId), { lastKnownEventId: newest }),
        { name: 'EntityConflictError' },
      );
      await append(world, runId, ev.stepStarted(stepId), { lastKnownEventId: newest });
      expect(current).not.toBe(newest);
    },
  },
  {
    name: 'every kind of append advances the fence (step, wait, hook and run events)',
    requires: fenced,
    async run(t) {
      const world = await t.world();
      const { runId, hookId, token } = await createRunWithHook(world);
      const stepId = newStepId();
      const waitId = `wait_${uid()}`;
      const writes = [
        ev.stepCreated(stepId),
        ev.stepStarted(stepId),
        ev.stepRetrying(stepId),
        ev.stepStarted(stepId),
        ev.stepCompleted(stepId),
        ev.waitCreated(waitId, new Date()),
        ev.waitCompleted(waitId),
        ev.hookReceived(hookId, token),
        ev.hookDisposed(hookId, token),
        ev.runCompleted(),
      ];
      for (const write of writes) {
        const fence = await newestEventId(world, runId);
        const result = await append(world, runId, write as never, { lastKnownEventId: fence });
        expect(result.event?.eventId, `${write.eventType} must advance the fence`).not.toBe(fence);
        expect(await newestEventId(world, runId)).toBe(result.event?.eventId);
      }
    },
  },

  // ── stateUpdatedAt ───────────────────────────────────────────────────────────────────────
  {
    name: 'stateUpdatedAt older than an unguarded hook_received → PreconditionFailedError, nothing written',
    requires: guarded,
    async run(t) {
      const world = await t.world();
      const { runId, marker } = await signalledRun(world);
      await expectStale(world, runId, { stateUpdatedAt: marker - 1 }, 'a stale snapshot');
    },
  },
  {
    name: 'stateUpdatedAt equal to the marker passes (no livelock)',
    requires: guarded,
    async run(t) {
      const world = await t.world();
      const { runId, marker } = await signalledRun(world);
      await expectAccepted(world, runId, { stateUpdatedAt: marker });
    },
  },
  {
    name: 'without an external event any stateUpdatedAt passes',
    requires: guarded,
    async run(t) {
      const world = await t.world();
      const runId = await createRun(world);
      await expectAccepted(world, runId, { stateUpdatedAt: 1 });
    },
  },
  {
    name: 'an unguarded step_completed moves the marker',
    requires: guarded,
    async run(t) {
      const world = await t.world();
      const { runId, stepId } = await createRunWithStep(world, 'running');
      const completed = await append(world, runId, ev.stepCompleted(stepId));
      const marker = idTime(completed.event!.eventId)!;
      await expectStale(
        world,
        runId,
        { stateUpdatedAt: marker - 1 },
        'a snapshot older than the step completion',
        ev.waitCreated(`wait_${uid()}`, new Date()),
      );
    },
  },
  {
    name: 'guarded hook_received and step_completed do not move the marker',
    requires: guarded,
    async run(t) {
      const world = await t.world();
      const { runId, hookId, token, marker } = await signalledRun(world);
      // Later events written with a snapshot: the marker must stay at the unguarded receive.
      await sleep(5);
      await append(world, runId, ev.hookReceived(hookId, token), { stateUpdatedAt: marker });
      const stepId = newStepId();
      await append(world, runId, ev.stepCreated(stepId));
      await append(world, runId, ev.stepStarted(stepId));
      await append(world, runId, ev.stepCompleted(stepId), { stateUpdatedAt: marker });
      await expectAccepted(
        world,
        runId,
        { stateUpdatedAt: marker },
        'a guarded event moved the marker',
      );
    },
  },
  {
    name: 'other events do not move the marker',
    requires: guarded,
    async run(t) {
      const world = await t.world();
      const { runId, marker } = await signalledRun(world);
      await sleep(5);
      const stepId = newStepId();
      await append(world, runId, ev.stepCreated(stepId));
      await append(world, runId, ev.stepStarted(stepId));
      await append(world, runId, ev.stepFailed(stepId));
      await append(world, runId, ev.waitCreated(`wait_${uid()}`, new Date()));
      await expectAccepted(world, runId, { stateUpdatedAt: marker });
    },
  },

  // ── real races ───────────────────────────────────────────────────────────────────────────
  raceCase(
    'race: a replay decides from its log while a hook payload arrives — the fence fires',
    'fence',
    async (world) => {
      const hook = await createRunWithHook(world);
      // The replay loads the log and decides to create a step from what it saw.
      const loaded = await allEvents(world, hook.runId);
      return { ...hook, loaded, params: { lastKnownEventId: loaded.at(-1)!.eventId } };
    },
    async (world, { runId, loaded }, decision) => {
      const log = await allEvents(world, runId);
      const types = log.slice(loaded.length).map((e) => e.eventType);
      if (decision.status === 'rejected') {
        expect((decision.reason as { code?: string }).code).toBe('FENCE_CONFLICT');
        expect(types, 'the refused write left nothing').toEqual(['hook_received']);
      } else {
        expect(types, 'an accepted fenced write must precede the signal').toEqual([
          'step_created',
          'hook_received',
        ]);
      }
    },
  ),
  raceCase(
    'race: a stale snapshot racing a hook payload — the precondition guard fires',
    'guard',
    async (world) => {
      const signalled = await signalledRun(world);
      const snapshot = idTime((await allEvents(world, signalled.runId)).at(-1)!.eventId)!;
      await sleep(2);
      return { ...signalled, params: { stateUpdatedAt: snapshot } };
    },
    async (_world, _run, decision) => {
      if (decision.status === 'rejected') {
        expect((decision.reason as Error).name).toBe('PreconditionFailedError');
      }
    },
  ),
  {
    name: 'after a fence conflict, reloading from the cursor and retrying succeeds',
    requires: fenced,
    async run(t) {
      const world = await t.world();
      const { runId, hookId, token } = await createRunWithHook(world);
      const loaded = await world.events.list({ runId });
      const fence = loaded.data.at(-1)!.eventId;
      await append(world, runId, ev.hookReceived(hookId, token));
      await expectStale(world, runId, { lastKnownEventId: fence }, 'the stale decision');
      const newer = await world.events.list({ runId, pagination: { cursor: loaded.cursor! } });
      expect(newer.data.map((e) => e.eventType)).toEqual(['hook_received']);
      await expectAccepted(world, runId, { lastKnownEventId: newer.data.at(-1)!.eventId });
    },
  },
];
