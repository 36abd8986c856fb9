import type { EventResult, World } from '@worldkit/world';
import { expect } from 'vitest';
import { type ExpectedError, expectRejectedWithoutEffect, expectRejects } from '../assertions.js';
import type { ConformanceCase } from '../context.js';
import {
  allEvents,
  append,
  createRun,
  createRunWithHook,
  createRunWithStep,
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

/** `event` written to a run id no run has is refused; returns that run id. */
async function expectNoSuchRun(world: World, what: string, event: Record<string, unknown>) {
  const runId = newRunId();
  await expectRejects(what, append(world, runId, event), RUN_NOT_FOUND);
  return runId;
}

/** A rule's case: `event` written to the run that `arrange` made, and `judge` of the write. */
function ruleCase<T extends { runId: string }>(
  name: string,
  arrange: (world: World) => Promise<T>,
  event: (arranged: T) => Record<string, unknown>,
  judge: (write: () => Promise<EventResult>, arranged: T, world: World) => Promise<void>,
): ConformanceCase {
  return {
    name,
    async run(t) {
      const world = await t.world();
      const arranged = await arrange(world);
      await judge(() => append(world, arranged.runId, event(arranged)), arranged, world);
    },
  };
}

/** A rule whose write must be refused with `expected`, leaving the run exactly as it was. */
function refused<T extends { runId: string }>(
  name: string,
  expected: ExpectedError,
  arrange: (world: World) => Promise<T>,
  event: (arranged: T) => Record<string, unknown>,
): ConformanceCase {
  return ruleCase(name, arrange, event, async (write, { runId }, world) => {
    await expectRejectedWithoutEffect(world, runId, name, write, expected);
  });
}

/** A rule whose write is accepted: `check` judges what events.create returned. */
function accepted<T extends { runId: string }>(
  name: string,
  arrange: (world: World) => Promise<T>,
  event: (arranged: T) => Record<string, unknown>,
  check: (result: EventResult, arranged: T, world: World) => Promise<void> | void,
): ConformanceCase {
  return ruleCase(name, arrange, event, async (write, arranged, world) => {
    await check(await write(), arranged, world);
  });
}

/** The rule that a completed or failed step refuses `event` with EntityConflictError. */
function refusedOnEndedSteps(
  eventType: string,
  event: (stepId: string) => Record<string, unknown>,
): ConformanceCase[] {
  return (['completed', 'failed'] as const).map((status) =>
    refused(
      `${eventType} on a ${status} step → EntityConflictError`,
      CONFLICT,
      withStep(status),
      ({ stepId }) => event(stepId),
    ),
  );
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

async function pendingRun(world: World) {
  return { runId: await createRun(world, { started: false }) };
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

/** A step taken to `status` in a run that then ended `how`. */
function stepOfEndedRun(status: 'pending' | 'running', how: Terminal) {
  return async (world: World) => {
    const arranged = await createRunWithStep(world, status);
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
  accepted(
    'run_created with attributes (spec 4): the run keeps them on every read',
    async () => ({ runId: newRunId(), attributes: { $rootRunId: newRunId(), team: 'ops' } }),
    ({ attributes }) => ev.runCreated({ attributes }),
    async (result, { runId, attributes }, world) => {
      expect(result.run?.attributes).toEqual(attributes);
      expect((await world.runs.get(runId)).attributes).toEqual(attributes);
      expect((await world.runs.get(runId, { resolveData: 'none' })).attributes).toEqual(attributes);
      const listed = await world.runs.list({ pagination: { limit: 100 } });
      expect(listed.data.find((run) => run.runId === runId)?.attributes).toEqual(attributes);
    },
  ),
  accepted(
    'run_created without attributes: the run has none',
    async () => ({ runId: newRunId() }),
    () => ev.runCreated(),
    async (result, { runId }, world) => {
      expect(result.run?.attributes).toBeUndefined();
      expect((await world.runs.get(runId)).attributes).toBeUndefined();
    },
  ),
  refused('run_created on an existing run → EntityConflictError', CONFLICT, pendingRun, () =>
    ev.runCreated(),
  ),

  // ── run_started ──────────────────────────────────────────────────────────────────────────
  accepted(
    'run_started on a pending run → running, startedAt set, one event appended',
    pendingRun,
    () => ev.runStarted(),
    async (result, { runId }, world) => {
      expect(result.event?.eventType).toBe('run_started');
      expect(result.run?.status).toBe('running');
      expect(result.run?.startedAt).toBeInstanceOf(Date);
      expect((await allEvents(world, runId)).map((e) => e.eventType)).toEqual([
        'run_created',
        'run_started',
      ]);
    },
  ),
  accepted(
    'run_started on a running run is idempotent: no event, same startedAt',
    async (world) => {
      const runId = await createRun(world);
      const before = await allEvents(world, runId);
      return { runId, before, startedAt: (await world.runs.get(runId)).startedAt?.getTime() };
    },
    () => ev.runStarted(),
    async (result, { runId, before, startedAt }, world) => {
      expect(result.event, 'an idempotent run_started must not append').toBeUndefined();
      expect(result.run?.status).toBe('running');
      expect(result.run?.startedAt?.getTime()).toBe(startedAt);
      expect((await allEvents(world, runId)).map((e) => e.eventId)).toEqual(
        before.map((e) => e.eventId),
      );
    },
  ),
  ...refusedOnEndedRuns('run_started', EXPIRED, () => ev.runStarted()),
  {
    name: 'run_started on a missing run without creation data → WorkflowRunNotFoundError, nothing written',
    async run(t) {
      const world = await t.world();
      const runId = await expectNoSuchRun(world, 'run_started(missing run)', ev.runStarted());
      await expectRejects('runs.get after the refusal', world.runs.get(runId), RUN_NOT_FOUND);
    },
  },
  accepted(
    'run_started on a missing run with creation data bootstraps it (resilient start)',
    async () => ({ runId: newRunId(), input: payload() }),
    ({ input }) => ev.runStarted({ input }),
    async (result, { runId, input }, world) => {
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
  ),
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
  accepted(
    'run_completed → completed with output and completedAt',
    async (world) => ({ runId: await createRun(world), output: payload() }),
    ({ output }) => ev.runCompleted(output),
    ({ run }, { output }) => {
      expect(run?.status).toBe('completed');
      expect(Buffer.from(run?.output as Uint8Array).equals(Buffer.from(output))).toBe(true);
      expect(run?.completedAt).toBeInstanceOf(Date);
    },
  ),
  accepted(
    'run_failed → failed with error {message, stack, code}',
    runningRun,
    () => ev.runFailed('kaput', 'RUNTIME_ERROR'),
    ({ run }) => {
      expect(run?.status).toBe('failed');
      expect(run?.error).toMatchObject({ message: 'kaput', code: 'RUNTIME_ERROR' });
      expect(run?.error?.stack).toContain('kaput');
    },
  ),
  accepted(
    'run_failed with a string error stores it as the message',
    runningRun,
    () => ({ eventType: 'run_failed', specVersion: 3, eventData: { error: 'plain text' } }),
    ({ run }) => expect(run?.error?.message).toBe('plain text'),
  ),
  accepted('run_cancelled on a pending run → cancelled', pendingRun, ev.runCancelled, ({ run }) => {
    expect(run?.status).toBe('cancelled');
    expect(run?.completedAt).toBeInstanceOf(Date);
  }),
  accepted(
    'run_cancelled on a cancelled run is idempotent: no event',
    async (world) => {
      const { runId } = await endedRun('cancelled')(world);
      return { runId, before: await allEvents(world, runId) };
    },
    ev.runCancelled,
    async (result, { runId, before }, world) => {
      expect(result.event).toBeUndefined();
      expect(result.run?.status).toBe('cancelled');
      expect((await allEvents(world, runId)).length).toBe(before.length);
    },
  ),
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
  accepted(
    'step_created → pending step, attempt 0',
    async (world) => ({ runId: await createRun(world), stepId: newStepId() }),
    ({ stepId }) => ev.stepCreated(stepId),
    (result, { runId, stepId }) => {
      expect(result.event?.eventType).toBe('step_created');
      expect(result.step).toMatchObject({ stepId, runId, status: 'pending', attempt: 0 });
    },
  ),
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
      await expectNoSuchRun(world, 'step_created(missing run)', ev.stepCreated(newStepId()));
    },
  },

  // ── step_started ─────────────────────────────────────────────────────────────────────────
  refused('step_started on a missing step → 404 WorkflowWorldError', NOT_FOUND, runningRun, () =>
    ev.stepStarted(newStepId()),
  ),
  accepted(
    'step_started on a running step restarts it: attempt + 1, startedAt kept',
    async (world) => {
      const step = await createRunWithStep(world, 'running');
      return { ...step, first: await world.steps.get(step.runId, step.stepId) };
    },
    ({ stepId }) => ev.stepStarted(stepId),
    ({ step }, { first }) => {
      expect(step?.attempt).toBe(2);
      expect(step?.status).toBe('running');
      expect(step?.startedAt?.getTime()).toBe(first.startedAt?.getTime());
    },
  ),
  ...refusedOnEndedSteps('step_started', (stepId) => ev.stepStarted(stepId)),
  ...TERMINALS.map((how) =>
    refused(
      `step_started of a pending step on a ${how} run → RunExpiredError`,
      EXPIRED,
      stepOfEndedRun('pending', how),
      ({ stepId }) => ev.stepStarted(stepId),
    ),
  ),
  accepted(
    'step_started of a running step on a terminal run is accepted',
    stepOfEndedRun('running', 'cancelled'),
    ({ stepId }) => ev.stepStarted(stepId),
    ({ step }) => expect(step?.attempt).toBe(2),
  ),
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
  accepted(
    'step_started after retryAfter passed → running, retryAfter cleared',
    async (world) => {
      const step = await createRunWithStep(world, 'running');
      await append(world, step.runId, ev.stepRetrying(step.stepId, new Date(Date.now() - 1000)));
      return step;
    },
    ({ stepId }) => ev.stepStarted(stepId),
    ({ step }) => {
      expect(step?.status).toBe('running');
      expect(step?.retryAfter).toBeUndefined();
    },
  ),

  // ── lazy step_started (5.x): the step's create-claim ───────────────────────────────────────
  accepted(
    'lazy step_started on a new step creates it running, after a synthetic step_created',
    async (world) => ({ runId: await createRun(world), stepId: newStepId(), input: payload() }),
    ({ stepId, input }) => ev.stepStartedLazily(stepId, input),
    async (result, { runId, stepId, input }, world) => {
      expect(result.stepCreated, 'stepCreated tells the caller it owns the step').toBe(true);
      expect(result.event?.eventType).toBe('step_started');
      expect(result.step).toMatchObject({ stepId, status: 'running', attempt: 1 });
      expect(result.step?.startedAt).toBeInstanceOf(Date);
      const stored = await world.steps.get(runId, stepId);
      expect(stored).toMatchObject({ status: 'running', attempt: 1 });
      expect(Buffer.from(stored.input as Uint8Array).equals(Buffer.from(input))).toBe(true);
      const events = (await allEvents(world, runId)).filter((e) => e.correlationId === stepId);
      expect(events.map((e) => e.eventType)).toEqual(['step_created', 'step_started']);
      const [created, started] = events as { eventData?: Record<string, unknown> }[];
      expect(Buffer.from(created!.eventData?.input as Uint8Array).equals(Buffer.from(input))).toBe(
        true,
      );
      expect(
        started!.eventData?.input,
        'the input is stored once, on step_created',
      ).toBeUndefined();
    },
  ),
  ...(['pending', 'running', 'completed'] as const).map((status) =>
    refused(
      `lazy step_started on a ${status} step → EntityConflictError (one owner)`,
      CONFLICT,
      withStep(status),
      ({ stepId }) => ev.stepStartedLazily(stepId),
    ),
  ),
  ...refusedOnEndedRuns('lazy step_started', CONFLICT, () => ev.stepStartedLazily(newStepId())),
  {
    name: 'lazy step_started racing on one step: exactly one creates it',
    async run(t) {
      const world = await t.world();
      const runId = await createRun(world);
      const stepId = newStepId();
      const writes = await Promise.allSettled(
        Array.from({ length: 6 }, () => append(world, runId, ev.stepStartedLazily(stepId))),
      );
      const created = writes.filter((w) => w.status === 'fulfilled');
      expect(created, 'exactly one racer owns the step').toHaveLength(1);
      for (const lost of writes.filter((w) => w.status === 'rejected')) {
        expect((lost as PromiseRejectedResult).reason).toMatchObject({
          name: 'EntityConflictError',
        });
      }
      const events = (await allEvents(world, runId)).filter((e) => e.correlationId === stepId);
      expect(events.map((e) => e.eventType)).toEqual(['step_created', 'step_started']);
    },
  },

  // ── step_completed ───────────────────────────────────────────────────────────────────────
  accepted(
    'step_completed → completed with output and completedAt',
    withStep('running'),
    ({ stepId }) => ev.stepCompleted(stepId),
    ({ step }) => {
      expect(step?.status).toBe('completed');
      expect(step?.output).toBeInstanceOf(Uint8Array);
      expect(step?.completedAt).toBeInstanceOf(Date);
    },
  ),
  ...refusedOnEndedSteps('step_completed', (stepId) => ev.stepCompleted(stepId)),
  refused('step_completed on a missing step → 404 WorkflowWorldError', NOT_FOUND, runningRun, () =>
    ev.stepCompleted(newStepId()),
  ),
  accepted(
    'step_completed of a running step after the run terminated is accepted',
    stepOfEndedRun('running', 'cancelled'),
    ({ stepId }) => ev.stepCompleted(stepId),
    ({ step }) => expect(step?.status).toBe('completed'),
  ),

  // ── step_failed ──────────────────────────────────────────────────────────────────────────
  accepted(
    'step_failed → failed with error {message, stack}',
    withStep('running'),
    ({ stepId }) => ev.stepFailed(stepId, 'exploded'),
    ({ step }) => {
      expect(step?.status).toBe('failed');
      expect(step?.error?.message).toBe('exploded');
      expect(step?.error?.stack).toContain('exploded');
      expect(step?.completedAt).toBeInstanceOf(Date);
    },
  ),
  ...refusedOnEndedSteps('step_failed', (stepId) => ev.stepFailed(stepId)),
  refused(
    'step_failed of a pending step on a terminal run → RunExpiredError',
    EXPIRED,
    stepOfEndedRun('pending', 'completed'),
    ({ stepId }) => ev.stepFailed(stepId),
  ),
  accepted(
    'step_failed of a running step on a terminal run is accepted',
    stepOfEndedRun('running', 'failed'),
    ({ stepId }) => ev.stepFailed(stepId),
    ({ step }) => expect(step?.status).toBe('failed'),
  ),
  refused('step_failed on a missing step → 404 WorkflowWorldError', NOT_FOUND, runningRun, () =>
    ev.stepFailed(newStepId()),
  ),

  // ── step_retrying ────────────────────────────────────────────────────────────────────────
  accepted(
    'step_retrying → pending with error and retryAfter',
    async (world) => ({
      ...(await createRunWithStep(world, 'running')),
      retryAfter: new Date(Date.now() + 5000),
    }),
    ({ stepId, retryAfter }) => ev.stepRetrying(stepId, retryAfter, 'later'),
    ({ step }, { retryAfter }) => {
      expect(step?.status).toBe('pending');
      expect(step?.error?.message).toBe('later');
      expect(step?.retryAfter?.getTime()).toBe(retryAfter.getTime());
      expect(step?.attempt).toBe(1);
    },
  ),
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
  accepted(
    'hook_created → hook claimed with its token',
    async (world) => ({ runId: await createRun(world), hookId: newHookId(), token: newToken() }),
    ({ hookId, token }) => ev.hookCreated(hookId, token),
    async (result, { runId, hookId, token }, world) => {
      expect(result.event?.eventType).toBe('hook_created');
      expect(result.hook).toMatchObject({ runId, hookId, token });
      expect((await world.hooks.getByToken(token)).hookId).toBe(hookId);
    },
  ),
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
  accepted(
    'hook_created with a token another run holds → a hook_conflict event, not an error',
    async (world) => ({
      holder: await createRunWithHook(world),
      runId: await createRun(world),
      hookId: newHookId(),
    }),
    ({ holder, hookId }) => ev.hookCreated(hookId, holder.token),
    async (result, { holder, runId, hookId }, world) => {
      expect(result.event?.eventType, 'a token conflict is reported as an event').toBe(
        'hook_conflict',
      );
      expect(result.event?.correlationId).toBe(hookId);
      expect(result.event).toMatchObject({
        eventData: { token: holder.token, conflictingRunId: holder.runId },
      });
      expect(result.hook).toBeUndefined();
      expect((await world.hooks.getByToken(holder.token)).runId, 'the holder keeps the token').toBe(
        holder.runId,
      );
      expect((await world.hooks.list({ runId })).data).toEqual([]);
      expect((await allEvents(world, runId)).at(-1)?.eventType).toBe('hook_conflict');
    },
  ),
  accepted(
    'hook_created with a token another hook of the same run holds → hook_conflict',
    createRunWithHook,
    ({ token }) => ev.hookCreated(newHookId(), token),
    (result, { runId, token }) => {
      expect(result.event?.eventType).toBe('hook_conflict');
      expect(result.event).toMatchObject({ eventData: { token, conflictingRunId: runId } });
    },
  ),
  accepted(
    'a disposed hook releases its token for another run',
    async (world) => {
      const { token } = await disposedHook(world);
      return { runId: await createRun(world), token };
    },
    ({ token }) => ev.hookCreated(newHookId(), token),
    async (result, { runId, token }, world) => {
      expect(result.event?.eventType).toBe('hook_created');
      expect((await world.hooks.getByToken(token)).runId).toBe(runId);
    },
  ),
  ...refusedOnEndedRuns('hook_created', CONFLICT, () => ev.hookCreated(newHookId(), newToken())),

  // ── hook_received / hook_disposed ─────────────────────────────────────────────────────────
  accepted(
    'hook_received appends an event and keeps the hook',
    createRunWithHook,
    ({ hookId, token }) => ev.hookReceived(hookId, token),
    async (result, { hookId, token }, world) => {
      expect(result.event?.eventType).toBe('hook_received');
      expect((await world.hooks.getByToken(token)).hookId).toBe(hookId);
    },
  ),
  refused('hook_received on a missing hook → HookNotFoundError', HOOK_NOT_FOUND, runningRun, () =>
    ev.hookReceived(newHookId(), newToken()),
  ),
  refused(
    'hook_received after the hook was disposed → HookNotFoundError',
    HOOK_NOT_FOUND,
    disposedHook,
    ({ hookId, token }) => ev.hookReceived(hookId, token),
  ),
  accepted(
    'hook_disposed deletes the hook',
    createRunWithHook,
    (hook) => ev.hookDisposed(hook.hookId, hook.token),
    async (result, hook, world) => {
      expect(result.event?.eventType).toBe('hook_disposed');
      const byToken = world.hooks.getByToken(hook.token);
      await expectRejects('getByToken after dispose', byToken, HOOK_NOT_FOUND);
      await expectRejects('hooks.get after dispose', world.hooks.get(hook.hookId), HOOK_NOT_FOUND);
    },
  ),
  refused('hook_disposed twice → HookNotFoundError', HOOK_NOT_FOUND, disposedHook, (hook) =>
    ev.hookDisposed(hook.hookId, hook.token),
  ),

  // ── wait_created / wait_completed ────────────────────────────────────────────────────────
  accepted(
    'wait_created then wait_completed → the wait completes with resumeAt kept',
    withWait,
    ({ waitId, resumeAt }) => ev.waitCompleted(waitId, resumeAt),
    (result, { resumeAt }) => {
      expect(result.event?.eventType).toBe('wait_completed');
      expect(result.wait?.status).toBe('completed');
      expect(result.wait?.resumeAt?.getTime()).toBe(resumeAt.getTime());
    },
  ),
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
