import type { World } from '@worldkit/world';
import { expect } from 'vitest';
import { type ExpectedError, expectRejectedWithoutEffect, expectRejects } from '../assertions.js';
import type { ConformanceCase } from '../context.js';
import {
  allEvents,
  append,
  createRun,
  createRunWithHook,
  createRunWithStep,
  dataOf,
  ev,
  payload,
} from '../fixtures.js';
import { newHookId, newRunId, newStepId, newToken, newWaitId } from '../names.js';

const CONFLICT: ExpectedError = { name: 'EntityConflictError' };
const EXPIRED: ExpectedError = { name: 'RunExpiredError' };
const NOT_FOUND: ExpectedError = { name: 'WorkflowWorldError', status: 404 };
const HOOK_NOT_FOUND: ExpectedError = { name: 'HookNotFoundError' };
const RUN_NOT_FOUND: ExpectedError = { name: 'WorkflowRunNotFoundError' };

type Terminal = 'completed' | 'failed' | 'cancelled';
const TERMINALS: Terminal[] = ['completed', 'failed', 'cancelled'];

async function terminate(world: World, runId: string, how: Terminal): Promise<void> {
  const event =
    how === 'completed' ? ev.runCompleted() : how === 'failed' ? ev.runFailed() : ev.runCancelled();
  await append(world, runId, event);
}

/**
 * A rule whose write must be refused with `expected`, leaving the run exactly as it was: the
 * write of `event` to the run that `arrange` made.
 */
function refused<T extends { runId: string }>(
  name: string,
  expected: ExpectedError,
  arrange: (world: World) => Promise<T>,
  event: (arranged: T) => Record<string, unknown>,
): ConformanceCase {
  return {
    name,
    async run(t) {
      const world = await t.world();
      const arranged = await arrange(world);
      const write = () => append(world, arranged.runId, event(arranged));
      await expectRejectedWithoutEffect(world, arranged.runId, name, write, expected);
    },
  };
}

/** The rule that a run ended each of `hows` refuses `event` with `expected`, a case per end. */
function refusedOnEndedRuns(
  eventType: string,
  expected: ExpectedError,
  event: () => Record<string, unknown>,
  hows: readonly Terminal[] = TERMINALS,
): ConformanceCase[] {
  return hows.map((how) =>
    refused(`${eventType} on a ${how} run → ${expected.name}`, expected, endedRun(how), event),
  );
}

async function runningRun(world: World) {
  return { runId: await createRun(world) };
}

function endedRun(how: Terminal) {
  return async (world: World) => {
    const runId = await createRun(world);
    await terminate(world, runId, how);
    return { runId };
  };
}

function withStep(status: 'pending' | 'running' | 'completed' | 'failed') {
  return (world: World) => createRunWithStep(world, status);
}

/** A pending step of a run that then ended `how`. */
function pendingStepOfEndedRun(how: Terminal) {
  return async (world: World) => {
    const arranged = await createRunWithStep(world, 'pending');
    await terminate(world, arranged.runId, how);
    return arranged;
  };
}

async function disposedHook(world: World) {
  const arranged = await createRunWithHook(world);
  await append(world, arranged.runId, ev.hookDisposed(arranged.hookId, arranged.token));
  return arranged;
}

async function withWait(world: World) {
  const runId = await createRun(world);
  const waitId = newWaitId();
  const resumeAt = new Date(Date.now() + 60_000);
  await append(world, runId, ev.waitCreated(waitId, resumeAt));
  return { runId, waitId, resumeAt };
}

export const transitionCases: ConformanceCase[] = [
  // ── run_created ──────────────────────────────────────────────────────────────────────────
  refused(
    'run_created on an existing run → EntityConflictError',
    CONFLICT,
    async (world) => ({ runId: await createRun(world, { started: false }) }),
    () => ev.runCreated(),
  ),

  // ── run_started ──────────────────────────────────────────────────────────────────────────
  {
    name: 'run_started on a pending run → running, startedAt set, one event appended',
    async run(t) {
      const world = await t.world();
      const runId = await createRun(world, { started: false });
      const result = await append(world, runId, ev.runStarted());
      expect(result.event?.eventType).toBe('run_started');
      expect(result.run?.status).toBe('running');
      expect(result.run?.startedAt).toBeInstanceOf(Date);
      expect((await allEvents(world, runId)).map((e) => e.eventType)).toEqual([
        'run_created',
        'run_started',
      ]);
    },
  },
  {
    name: 'run_started on a running run is idempotent: no event, same startedAt',
    async run(t) {
      const world = await t.world();
      const runId = await createRun(world);
      const before = await allEvents(world, runId);
      const startedAt = (await world.runs.get(runId)).startedAt?.getTime();
      const result = await append(world, runId, ev.runStarted());
      expect(result.event, 'an idempotent run_started must not append').toBeUndefined();
      expect(result.run?.status).toBe('running');
      expect(result.run?.startedAt?.getTime()).toBe(startedAt);
      expect((await allEvents(world, runId)).map((e) => e.eventId)).toEqual(
        before.map((e) => e.eventId),
      );
    },
  },
  ...refusedOnEndedRuns('run_started', EXPIRED, () => ev.runStarted()),
  {
    name: 'run_started on a missing run without creation data → WorkflowRunNotFoundError, nothing written',
    async run(t) {
      const world = await t.world();
      const runId = newRunId();
      await expectRejects(
        'run_started(missing run)',
        append(world, runId, ev.runStarted()),
        RUN_NOT_FOUND,
      );
      await expectRejects('runs.get after the refusal', world.runs.get(runId), RUN_NOT_FOUND);
    },
  },
  {
    name: 'run_started on a missing run with creation data bootstraps it (resilient start)',
    async run(t) {
      const world = await t.world();
      const runId = newRunId();
      const input = payload();
      const result = await append(world, runId, ev.runStarted({ input }));
      expect(result.run?.status).toBe('running');
      expect(Buffer.from(result.run?.input as Uint8Array).equals(Buffer.from(input))).toBe(true);
      const events = await allEvents(world, runId);
      expect(events.map((e) => e.eventType)).toEqual(['run_created', 'run_started']);
      expect(
        (events[1] as { eventData?: unknown }).eventData,
        'the run_started event must not store the bootstrap data',
      ).toBeUndefined();
      expect(result.events?.map((e) => e.eventType)).toEqual(['run_created', 'run_started']);
    },
  },
  refused(
    'run_created after a bootstrap → EntityConflictError',
    CONFLICT,
    async (world) => {
      const runId = newRunId();
      await append(world, runId, ev.runStarted({}));
      return { runId };
    },
    () => ev.runCreated(),
  ),

  // ── run_completed / run_failed / run_cancelled ────────────────────────────────────────────
  {
    name: 'run_completed → completed with output and completedAt',
    async run(t) {
      const world = await t.world();
      const runId = await createRun(world);
      const output = payload();
      const result = await append(world, runId, ev.runCompleted(output));
      expect(result.run?.status).toBe('completed');
      expect(Buffer.from(result.run?.output as Uint8Array).equals(Buffer.from(output))).toBe(true);
      expect(result.run?.completedAt).toBeInstanceOf(Date);
    },
  },
  {
    name: 'run_failed → failed with error {message, stack, code}',
    async run(t) {
      const world = await t.world();
      const runId = await createRun(world);
      const result = await append(world, runId, ev.runFailed('kaput', 'RUNTIME_ERROR'));
      expect(result.run?.status).toBe('failed');
      expect(result.run?.error).toMatchObject({ message: 'kaput', code: 'RUNTIME_ERROR' });
      expect(result.run?.error?.stack).toContain('kaput');
    },
  },
  {
    name: 'run_failed with a string error stores it as the message',
    async run(t) {
      const world = await t.world();
      const runId = await createRun(world);
      const result = await append(world, runId, {
        eventType: 'run_failed',
        specVersion: 3,
        eventData: { error: 'plain text' },
      });
      expect(result.run?.error?.message).toBe('plain text');
    },
  },
  {
    name: 'run_cancelled on a pending run → cancelled',
    async run(t) {
      const world = await t.world();
      const runId = await createRun(world, { started: false });
      const result = await append(world, runId, ev.runCancelled());
      expect(result.run?.status).toBe('cancelled');
      expect(result.run?.completedAt).toBeInstanceOf(Date);
    },
  },
  {
    name: 'run_cancelled on a cancelled run is idempotent: no event',
    async run(t) {
      const world = await t.world();
      const runId = await createRun(world);
      await append(world, runId, ev.runCancelled());
      const before = await allEvents(world, runId);
      const result = await append(world, runId, ev.runCancelled());
      expect(result.event).toBeUndefined();
      expect(result.run?.status).toBe('cancelled');
      expect((await allEvents(world, runId)).length).toBe(before.length);
    },
  },
  ...TERMINALS.flatMap((how) => [
    ...refusedOnEndedRuns('run_completed', CONFLICT, () => ev.runCompleted(), [how]),
    ...refusedOnEndedRuns('run_failed', CONFLICT, () => ev.runFailed(), [how]),
  ]),
  ...refusedOnEndedRuns('run_cancelled', CONFLICT, () => ev.runCancelled(), [
    'completed',
    'failed',
  ]),
  ...TERMINALS.map(
    (how): ConformanceCase => ({
      name: `a ${how} run releases its hook tokens and deletes its hooks and waits`,
      async run(t) {
        const world = await t.world();
        const { runId, hookId, token } = await createRunWithHook(world);
        const waitId = newWaitId();
        await append(world, runId, ev.waitCreated(waitId, new Date(Date.now() + 60_000)));
        await terminate(world, runId, how);
        await expectRejects(
          'getByToken after the run ended',
          world.hooks.getByToken(token),
          HOOK_NOT_FOUND,
        );
        expect((await world.hooks.list({ runId })).data).toEqual([]);
        await expectRejects(
          'hook_received after the run ended',
          append(world, runId, ev.hookReceived(hookId, token)),
          HOOK_NOT_FOUND,
        );
        await expectRejects(
          'wait_completed after the run ended',
          append(world, runId, ev.waitCompleted(waitId)),
          NOT_FOUND,
        );
        const other = await createRun(world);
        const reuse = await append(world, other, ev.hookCreated(newHookId(), token));
        expect(reuse.event?.eventType, 'the released token must be claimable again').toBe(
          'hook_created',
        );
      },
    }),
  ),

  // ── step_created ─────────────────────────────────────────────────────────────────────────
  {
    name: 'step_created → pending step, attempt 0',
    async run(t) {
      const world = await t.world();
      const runId = await createRun(world);
      const stepId = newStepId();
      const result = await append(world, runId, ev.stepCreated(stepId));
      expect(result.event?.eventType).toBe('step_created');
      expect(result.step).toMatchObject({ stepId, runId, status: 'pending', attempt: 0 });
    },
  },
  refused('step_created twice → EntityConflictError', CONFLICT, withStep('pending'), ({ stepId }) =>
    ev.stepCreated(stepId),
  ),
  refused(
    'step_created again after the step completed → EntityConflictError',
    CONFLICT,
    withStep('completed'),
    ({ stepId }) => ev.stepCreated(stepId),
  ),
  ...refusedOnEndedRuns('step_created', CONFLICT, () => ev.stepCreated(newStepId())),
  {
    name: 'step_created on a missing run → WorkflowRunNotFoundError',
    async run(t) {
      const world = await t.world();
      const runId = newRunId();
      await expectRejects(
        'step_created(missing run)',
        append(world, runId, ev.stepCreated(newStepId())),
        RUN_NOT_FOUND,
      );
    },
  },

  // ── step_started ─────────────────────────────────────────────────────────────────────────
  refused('step_started on a missing step → 404 WorkflowWorldError', NOT_FOUND, runningRun, () =>
    ev.stepStarted(newStepId()),
  ),
  {
    name: 'step_started on a running step restarts it: attempt + 1, startedAt kept',
    async run(t) {
      const world = await t.world();
      const { runId, stepId } = await createRunWithStep(world, 'running');
      const first = await world.steps.get(runId, stepId);
      const result = await append(world, runId, ev.stepStarted(stepId));
      expect(result.step?.attempt).toBe(2);
      expect(result.step?.status).toBe('running');
      expect(result.step?.startedAt?.getTime()).toBe(first.startedAt?.getTime());
    },
  },
  ...(['completed', 'failed'] as const).map((status) =>
    refused(
      `step_started on a ${status} step → EntityConflictError`,
      CONFLICT,
      withStep(status),
      (step) => ev.stepStarted(step.stepId),
    ),
  ),
  ...TERMINALS.map((how) =>
    refused(
      `step_started of a pending step on a ${how} run → RunExpiredError`,
      EXPIRED,
      pendingStepOfEndedRun(how),
      ({ stepId }) => ev.stepStarted(stepId),
    ),
  ),
  {
    name: 'step_started of a running step on a terminal run is accepted',
    async run(t) {
      const world = await t.world();
      const { runId, stepId } = await createRunWithStep(world, 'running');
      await append(world, runId, ev.runCancelled());
      const result = await append(world, runId, ev.stepStarted(stepId));
      expect(result.step?.attempt).toBe(2);
    },
  },
  {
    name: 'step_started before retryAfter → TooEarlyError with retryAfter seconds, nothing written',
    async run(t) {
      const world = await t.world();
      const { runId, stepId } = await createRunWithStep(world, 'running');
      await append(world, runId, ev.stepRetrying(stepId, new Date(Date.now() + 30_000)));
      const error = await expectRejectedWithoutEffect(
        world,
        runId,
        'step_started before retryAfter',
        () => append(world, runId, ev.stepStarted(stepId)),
        { name: 'TooEarlyError' },
      );
      expect(error.retryAfter, 'TooEarlyError.retryAfter (seconds)').toBeGreaterThanOrEqual(1);
      expect(error.retryAfter).toBeLessThanOrEqual(31);
    },
  },
  {
    name: 'step_started after retryAfter passed → running, retryAfter cleared',
    async run(t) {
      const world = await t.world();
      const { runId, stepId } = await createRunWithStep(world, 'running');
      await append(world, runId, ev.stepRetrying(stepId, new Date(Date.now() - 1000)));
      const result = await append(world, runId, ev.stepStarted(stepId));
      expect(result.step?.status).toBe('running');
      expect(result.step?.retryAfter).toBeUndefined();
    },
  },

  // ── step_completed ───────────────────────────────────────────────────────────────────────
  {
    name: 'step_completed → completed with output and completedAt',
    async run(t) {
      const world = await t.world();
      const { runId, stepId } = await createRunWithStep(world, 'running');
      const result = await append(world, runId, ev.stepCompleted(stepId));
      expect(result.step?.status).toBe('completed');
      expect(result.step?.output).toBeInstanceOf(Uint8Array);
      expect(result.step?.completedAt).toBeInstanceOf(Date);
    },
  },
  ...(['completed', 'failed'] as const).map((status) =>
    refused(
      `step_completed on a ${status} step → EntityConflictError`,
      CONFLICT,
      withStep(status),
      (step) => ev.stepCompleted(step.stepId),
    ),
  ),
  refused('step_completed on a missing step → 404 WorkflowWorldError', NOT_FOUND, runningRun, () =>
    ev.stepCompleted(newStepId()),
  ),
  {
    name: 'step_completed of a running step after the run terminated is accepted',
    async run(t) {
      const world = await t.world();
      const { runId, stepId } = await createRunWithStep(world, 'running');
      await append(world, runId, ev.runCancelled());
      expect((await append(world, runId, ev.stepCompleted(stepId))).step?.status).toBe('completed');
    },
  },

  // ── step_failed ──────────────────────────────────────────────────────────────────────────
  {
    name: 'step_failed → failed with error {message, stack}',
    async run(t) {
      const world = await t.world();
      const { runId, stepId } = await createRunWithStep(world, 'running');
      const result = await append(world, runId, ev.stepFailed(stepId, 'exploded'));
      expect(result.step?.status).toBe('failed');
      expect(result.step?.error?.message).toBe('exploded');
      expect(result.step?.error?.stack).toContain('exploded');
      expect(result.step?.completedAt).toBeInstanceOf(Date);
    },
  },
  ...(['completed', 'failed'] as const).map((status) =>
    refused(
      `step_failed on a ${status} step → EntityConflictError`,
      CONFLICT,
      withStep(status),
      (step) => ev.stepFailed(step.stepId),
    ),
  ),
  refused(
    'step_failed of a pending step on a terminal run → RunExpiredError',
    EXPIRED,
    pendingStepOfEndedRun('completed'),
    ({ stepId }) => ev.stepFailed(stepId),
  ),
  {
    name: 'step_failed of a running step on a terminal run is accepted',
    async run(t) {
      const world = await t.world();
      const { runId, stepId } = await createRunWithStep(world, 'running');
      await append(world, runId, ev.runFailed());
      expect((await append(world, runId, ev.stepFailed(stepId))).step?.status).toBe('failed');
    },
  },
  refused('step_failed on a missing step → 404 WorkflowWorldError', NOT_FOUND, runningRun, () =>
    ev.stepFailed(newStepId()),
  ),

  // ── step_retrying ────────────────────────────────────────────────────────────────────────
  {
    name: 'step_retrying → pending with error and retryAfter',
    async run(t) {
      const world = await t.world();
      const { runId, stepId } = await createRunWithStep(world, 'running');
      const retryAfter = new Date(Date.now() + 5000);
      const result = await append(world, runId, ev.stepRetrying(stepId, retryAfter, 'later'));
      expect(result.step?.status).toBe('pending');
      expect(result.step?.error?.message).toBe('later');
      expect(result.step?.retryAfter?.getTime()).toBe(retryAfter.getTime());
      expect(result.step?.attempt).toBe(1);
    },
  },
  refused(
    'step_retrying on a completed step → EntityConflictError',
    CONFLICT,
    withStep('completed'),
    ({ stepId }) => ev.stepRetrying(stepId),
  ),
  refused('step_retrying on a missing step → 404 WorkflowWorldError', NOT_FOUND, runningRun, () =>
    ev.stepRetrying(newStepId()),
  ),

  // ── hook_created ─────────────────────────────────────────────────────────────────────────
  {
    name: 'hook_created → hook claimed with its token',
    async run(t) {
      const world = await t.world();
      const runId = await createRun(world);
      const hookId = newHookId();
      const token = newToken();
      const result = await append(world, runId, ev.hookCreated(hookId, token));
      expect(result.event?.eventType).toBe('hook_created');
      expect(result.hook).toMatchObject({ runId, hookId, token });
      expect((await world.hooks.getByToken(token)).hookId).toBe(hookId);
    },
  },
  refused(
    'hook_created twice with the same hook id → EntityConflictError, never hook_conflict',
    CONFLICT,
    createRunWithHook,
    ({ hookId, token }) => ev.hookCreated(hookId, token),
  ),
  refused(
    'hook_created again after the hook was disposed → EntityConflictError',
    CONFLICT,
    disposedHook,
    ({ hookId, token }) => ev.hookCreated(hookId, token),
  ),
  {
    name: 'hook_created with a token another run holds → a hook_conflict event, not an error',
    async run(t) {
      const world = await t.world();
      const holder = await createRunWithHook(world);
      const runId = await createRun(world);
      const hookId = newHookId();
      const result = await append(world, runId, ev.hookCreated(hookId, holder.token));
      expect(result.event?.eventType, 'a token conflict is reported as an event').toBe(
        'hook_conflict',
      );
      expect(result.event?.correlationId).toBe(hookId);
      expect(dataOf(result.event)).toMatchObject({
        token: holder.token,
        conflictingRunId: holder.runId,
      });
      expect(result.hook).toBeUndefined();
      expect((await world.hooks.getByToken(holder.token)).runId, 'the holder keeps the token').toBe(
        holder.runId,
      );
      expect((await world.hooks.list({ runId })).data).toEqual([]);
      expect((await allEvents(world, runId)).at(-1)?.eventType).toBe('hook_conflict');
    },
  },
  {
    name: 'hook_created with a token another hook of the same run holds → hook_conflict',
    async run(t) {
      const world = await t.world();
      const { runId, token } = await createRunWithHook(world);
      const result = await append(world, runId, ev.hookCreated(newHookId(), token));
      expect(result.event?.eventType).toBe('hook_conflict');
      expect(dataOf(result.event)).toMatchObject({ token, conflictingRunId: runId });
    },
  },
  {
    name: 'a disposed hook releases its token for another run',
    async run(t) {
      const world = await t.world();
      const { runId, hookId, token } = await createRunWithHook(world);
      await append(world, runId, ev.hookDisposed(hookId, token));
      const other = await createRun(world);
      const result = await append(world, other, ev.hookCreated(newHookId(), token));
      expect(result.event?.eventType).toBe('hook_created');
      expect((await world.hooks.getByToken(token)).runId).toBe(other);
    },
  },
  ...refusedOnEndedRuns('hook_created', CONFLICT, () => ev.hookCreated(newHookId(), newToken())),

  // ── hook_received / hook_disposed ─────────────────────────────────────────────────────────
  {
    name: 'hook_received appends an event and keeps the hook',
    async run(t) {
      const world = await t.world();
      const { runId, hookId, token } = await createRunWithHook(world);
      const result = await append(world, runId, ev.hookReceived(hookId, token));
      expect(result.event?.eventType).toBe('hook_received');
      expect((await world.hooks.getByToken(token)).hookId).toBe(hookId);
    },
  },
  refused('hook_received on a missing hook → HookNotFoundError', HOOK_NOT_FOUND, runningRun, () =>
    ev.hookReceived(newHookId(), newToken()),
  ),
  refused(
    'hook_received after the hook was disposed → HookNotFoundError',
    HOOK_NOT_FOUND,
    disposedHook,
    ({ hookId, token }) => ev.hookReceived(hookId, token),
  ),
  {
    name: 'hook_disposed deletes the hook',
    async run(t) {
      const world = await t.world();
      const { runId, hookId, token } = await createRunWithHook(world);
      const result = await append(world, runId, ev.hookDisposed(hookId, token));
      expect(result.event?.eventType).toBe('hook_disposed');
      await expectRejects(
        'getByToken after dispose',
        world.hooks.getByToken(token),
        HOOK_NOT_FOUND,
      );
      await expectRejects('hooks.get after dispose', world.hooks.get(hookId), HOOK_NOT_FOUND);
    },
  },
  refused('hook_disposed twice → HookNotFoundError', HOOK_NOT_FOUND, disposedHook, (hook) =>
    ev.hookDisposed(hook.hookId, hook.token),
  ),

  // ── wait_created / wait_completed ────────────────────────────────────────────────────────
  {
    name: 'wait_created then wait_completed → the wait completes with resumeAt kept',
    async run(t) {
      const world = await t.world();
      const { runId, waitId, resumeAt } = await withWait(world);
      const result = await append(world, runId, ev.waitCompleted(waitId, resumeAt));
      expect(result.event?.eventType).toBe('wait_completed');
      expect(result.wait?.status).toBe('completed');
      expect(result.wait?.resumeAt?.getTime()).toBe(resumeAt.getTime());
    },
  },
  refused('wait_created twice → EntityConflictError', CONFLICT, withWait, (wait) =>
    ev.waitCreated(wait.waitId, wait.resumeAt),
  ),
  ...refusedOnEndedRuns('wait_created', CONFLICT, () => ev.waitCreated(newWaitId(), new Date())),
  refused(
    'wait_completed twice → EntityConflictError',
    CONFLICT,
    async (world) => {
      const wait = await withWait(world);
      await append(world, wait.runId, ev.waitCompleted(wait.waitId));
      return wait;
    },
    ({ waitId }) => ev.waitCompleted(waitId),
  ),
  refused('wait_completed on a missing wait → 404 WorkflowWorldError', NOT_FOUND, runningRun, () =>
    ev.waitCompleted(newWaitId()),
  ),
];
