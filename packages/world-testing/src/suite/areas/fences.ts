import { idTime, type World } from '@worldkit/world';
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

/** A step_created fenced at `fence` is refused with FENCE_CONFLICT and writes nothing. */
function expectFencedOut(world: World, runId: string, fence: string, what: string) {
  return expectRejectedWithoutEffect(
    world,
    runId,
    what,
    () => append(world, runId, ev.stepCreated(newStepId()), { lastKnownEventId: fence }),
    FENCE,
  );
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
      const second = await append(world, runId, ev.stepCreated(newStepId()), {
        lastKnownEventId: first.event!.eventId,
      });
      expect(second.event?.eventType).toBe('step_created');
    },
  },
  {
    name: 'a stale lastKnownEventId → 412 FENCE_CONFLICT named EntityConflictError, nothing written',
    requires: fenced,
    async run(t) {
      const world = await t.world();
      const runId = await createRun(world);
      const stale = await newestEventId(world, runId);
      await append(world, runId, ev.stepCreated(newStepId()));
      const error = await expectFencedOut(world, runId, stale, 'step_created with a stale fence');
      expect(String(error.message)).toMatch(/^fence conflict:/);
    },
  },
  {
    name: 'a lastKnownEventId that is no event of the run → FENCE_CONFLICT',
    requires: fenced,
    async run(t) {
      const world = await t.world();
      const runId = await createRun(world);
      const other = await createRun(world);
      await expectRejectedWithoutEffect(
        world,
        runId,
        'a fence from another run',
        async () =>
          append(world, runId, ev.stepCreated(newStepId()), {
            lastKnownEventId: (await allEvents(world, other)).at(-1)!.eventId,
          }),
        FENCE,
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
        const runId = await createRun(world);
        const stale = await newestEventId(world, runId);
        await append(world, runId, ev.stepCreated(newStepId()));
        await expectRejectedWithoutEffect(
          world,
          runId,
          `${type} with a stale fence`,
          () => append(world, runId, make() as never, { lastKnownEventId: stale }),
          FENCE,
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
      const before = await newestEventId(world, runId);
      await append(world, runId, ev.hookReceived(hookId, token));
      await expectFencedOut(world, runId, before, 'a write fenced before the signal');
    },
  },
  {
    name: 'a hook_conflict event advances the fence',
    requires: fenced,
    async run(t) {
      const world = await t.world();
      const holder = await createRunWithHook(world);
      const runId = await createRun(world);
      const before = await newestEventId(world, runId);
      const conflict = await append(world, runId, ev.hookCreated(newHookId(), holder.token));
      expect(conflict.event?.eventType).toBe('hook_conflict');
      expect(await newestEventId(world, runId)).toBe(conflict.event?.eventId);
      await expectFencedOut(world, runId, before, 'a write fenced before the hook_conflict');
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
      const { runId, hookId, token } = await createRunWithHook(world);
      const marker = await receiveUnguarded(world, runId, hookId, token);
      await expectRejectedWithoutEffect(
        world,
        runId,
        'a stale snapshot',
        () => append(world, runId, ev.stepCreated(newStepId()), { stateUpdatedAt: marker - 1 }),
        PRECONDITION,
      );
    },
  },
  {
    name: 'stateUpdatedAt equal to the marker passes (no livelock)',
    requires: guarded,
    async run(t) {
      const world = await t.world();
      const { runId, hookId, token } = await createRunWithHook(world);
      const marker = await receiveUnguarded(world, runId, hookId, token);
      const result = await append(world, runId, ev.stepCreated(newStepId()), {
        stateUpdatedAt: marker,
      });
      expect(result.event?.eventType).toBe('step_created');
    },
  },
  {
    name: 'without an external event any stateUpdatedAt passes',
    requires: guarded,
    async run(t) {
      const world = await t.world();
      const runId = await createRun(world);
      const result = await append(world, runId, ev.stepCreated(newStepId()), { stateUpdatedAt: 1 });
      expect(result.event?.eventType).toBe('step_created');
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
      await expectRejectedWithoutEffect(
        world,
        runId,
        'a snapshot older than the step completion',
        () =>
          append(world, runId, ev.waitCreated(`wait_${uid()}`, new Date()), {
            stateUpdatedAt: marker - 1,
          }),
        PRECONDITION,
      );
    },
  },
  {
    name: 'guarded hook_received and step_completed do not move the marker',
    requires: guarded,
    async run(t) {
      const world = await t.world();
      const { runId, hookId, token } = await createRunWithHook(world);
      const marker = await receiveUnguarded(world, runId, hookId, token);
      // Later events written with a snapshot: the marker must stay at the unguarded receive.
      await new Promise((resolve) => setTimeout(resolve, 5));
      await append(world, runId, ev.hookReceived(hookId, token), { stateUpdatedAt: marker });
      const stepId = newStepId();
      await append(world, runId, ev.stepCreated(stepId));
      await append(world, runId, ev.stepStarted(stepId));
      await append(world, runId, ev.stepCompleted(stepId), { stateUpdatedAt: marker });
      const result = await append(world, runId, ev.stepCreated(newStepId()), {
        stateUpdatedAt: marker,
      });
      expect(result.event?.eventType, 'a guarded event moved the marker').toBe('step_created');
    },
  },
  {
    name: 'other events do not move the marker',
    requires: guarded,
    async run(t) {
      const world = await t.world();
      const { runId, hookId, token } = await createRunWithHook(world);
      const marker = await receiveUnguarded(world, runId, hookId, token);
      await new Promise((resolve) => setTimeout(resolve, 5));
      const stepId = newStepId();
      await append(world, runId, ev.stepCreated(stepId));
      await append(world, runId, ev.stepStarted(stepId));
      await append(world, runId, ev.stepFailed(stepId));
      await append(world, runId, ev.waitCreated(`wait_${uid()}`, new Date()));
      const result = await append(world, runId, ev.stepCreated(newStepId()), {
        stateUpdatedAt: marker,
      });
      expect(result.event?.eventType).toBe('step_created');
    },
  },

  // ── real races ───────────────────────────────────────────────────────────────────────────
  {
    name: 'race: a replay decides from its log while a hook payload arrives — the fence fires',
    requires: fenced,
    async run(t) {
      const world = await t.world();
      const signaller = await t.openWorld();
      let fired = 0;
      for (let round = 0; round < 40 && fired < 3; round++) {
        const { runId, hookId, token } = await createRunWithHook(world);
        // The replay loads the log and decides to create a step from what it saw.
        const loaded = await allEvents(world, runId);
        const fence = loaded.at(-1)!.eventId;
        // A user's signal lands through another instance while the decision is being written.
        const [signal, decision] = await Promise.allSettled([
          append(signaller, runId, ev.hookReceived(hookId, token)),
          append(world, runId, ev.stepCreated(newStepId()), { lastKnownEventId: fence }),
        ]);
        expect(signal.status, 'the unfenced signal must never be dropped').toBe('fulfilled');
        const log = await allEvents(world, runId);
        const types = log.slice(loaded.length).map((e) => e.eventType);
        if (decision.status === 'rejected') {
          expect((decision.reason as { code?: string }).code).toBe('FENCE_CONFLICT');
          expect(types, 'the refused write left nothing').toEqual(['hook_received']);
          fired++;
        } else {
          expect(types, 'an accepted fenced write must precede the signal').toEqual([
            'step_created',
            'hook_received',
          ]);
        }
      }
      // The signal is issued first in every round, so the fence must have fired at least once.
      expect(fired, 'the fence never fired in 40 racing rounds').toBeGreaterThan(0);
    },
  },
  {
    name: 'race: a stale snapshot racing a hook payload — the precondition guard fires',
    requires: guarded,
    async run(t) {
      const world = await t.world();
      const signaller = await t.openWorld();
      let fired = 0;
      for (let round = 0; round < 40 && fired < 3; round++) {
        const { runId, hookId, token } = await createRunWithHook(world);
        await receiveUnguarded(world, runId, hookId, token);
        const snapshot = idTime((await allEvents(world, runId)).at(-1)!.eventId)!;
        await new Promise((resolve) => setTimeout(resolve, 2));
        const [signal, decision] = await Promise.allSettled([
          append(signaller, runId, ev.hookReceived(hookId, token)),
          append(world, runId, ev.stepCreated(newStepId()), { stateUpdatedAt: snapshot }),
        ]);
        expect(signal.status).toBe('fulfilled');
        if (decision.status === 'rejected') {
          expect((decision.reason as Error).name).toBe('PreconditionFailedError');
          fired++;
        }
      }
      expect(fired, 'the guard never fired in 40 racing rounds').toBeGreaterThan(0);
    },
  },
  {
    name: 'after a fence conflict, reloading from the cursor and retrying succeeds',
    requires: fenced,
    async run(t) {
      const world = await t.world();
      const { runId, hookId, token } = await createRunWithHook(world);
      const loaded = await world.events.list({ runId });
      const fence = loaded.data.at(-1)!.eventId;
      await append(world, runId, ev.hookReceived(hookId, token));
      await expectFencedOut(world, runId, fence, 'the stale decision');
      const newer = await world.events.list({ runId, pagination: { cursor: loaded.cursor! } });
      expect(newer.data.map((e) => e.eventType)).toEqual(['hook_received']);
      const retried = await append(world, runId, ev.stepCreated(newStepId()), {
        lastKnownEventId: newer.data.at(-1)!.eventId,
      });
      expect(retried.event?.eventType).toBe('step_created');
    },
  },
];
