import { describe, expect, it } from 'vitest';
import type { WorkflowWorldError } from '../../src/errors.js';
import { idTime } from '../../src/ids.js';
import { RUN_SPEC_VERSION_MAX } from '../../src/spec-versions.js';
import type { Applied, Transition } from '../../src/state-machine/types.js';
import {
  bytes,
  hookCreated,
  hookReceived,
  OTHER_RUN,
  RUN,
  runCreated,
  runStarted,
  type Store,
  Store as StoreClass,
  stepCompleted,
  stepCreated,
  stepStarted,
  T0,
  waitCreated,
} from './harness.js';

/**
 * One row per rule of the reference state machine (ARCHITECTURE.md, "Rule sources" and
 * "Fences"). Each row builds a store through the state machine itself, applies one create and
 * states the outcome.
 */
interface Rule {
  name: string;
  given?: (store: Store) => void;
  when: (store: Store) => Transition;
  verify: (outcome: Transition, store: Store) => void;
}

const STEP = 'step_01JG0000000000000000000000';
const HOOK = 'hook_01JG0000000000000000000000';
const HOOK_2 = 'hook_01JG0000000000000000000001';
const WAIT = 'wait_01JG0000000000000000000000';

function applied(outcome: Transition): Applied {
  if (outcome.kind !== 'applied') {
    throw new Error(
      `expected applied, got ${outcome.kind}${outcome.kind === 'rejected' ? `: ${outcome.error.message}` : ''}`,
    );
  }
  return outcome;
}

function rejected(outcome: Transition, name: string, status?: number): WorkflowWorldError {
  if (outcome.kind !== 'rejected') throw new Error(`expected ${name}, got ${outcome.kind}`);
  expect(outcome.error.name).toBe(name);
  if (status !== undefined) expect(outcome.error.status).toBe(status);
  return outcome.error;
}

function terminate(store: Store, how: 'completed' | 'failed' | 'cancelled'): void {
  if (how === 'completed')
    store.given(RUN, { eventType: 'run_completed', eventData: { output: bytes(1) } });
  if (how === 'failed') store.given(RUN, { eventType: 'run_failed', eventData: { error: 'boom' } });
  if (how === 'cancelled') store.given(RUN, { eventType: 'run_cancelled' });
}

const TERMINAL = ['completed', 'failed', 'cancelled'] as const;

const runRules: Rule[] = [
  {
    name: 'run_created creates a pending run carrying the creation data',
    given: () => {},
    when: (store) =>
      store.create(RUN, {
        eventType: 'run_created',
        specVersion: 3,
        eventData: {
          deploymentId: 'dpl_1',
          workflowName: 'workflow//./src/w//main',
          input: bytes(1, 2),
          executionContext: { workflowCoreVersion: '4.8.9' },
        },
      }),
    verify: (outcome) => {
      const { result, events, changes } = applied(outcome);
      expect(events.map((e) => e.eventType)).toEqual(['run_created']);
      expect(changes.run).toBe(true);
      expect(result.run).toMatchObject({
        runId: RUN,
        status: 'pending',
        deploymentId: 'dpl_1',
        specVersion: 3,
        input: bytes(1, 2),
        executionContext: { workflowCoreVersion: '4.8.9' },
      });
      expect(result.run?.createdAt).toEqual(events[0]!.createdAt);
    },
  },
  {
    name: 'run_created without a spec version records the current one',
    when: (store) => store.create(RUN, runCreated()),
    verify: (outcome) => {
      const { result } = applied(outcome);
      expect(result.run?.specVersion).toBe(3);
      expect(result.event?.specVersion).toBe(3);
    },
  },
  {
    name: 'run_created on an existing run is a conflict',
    given: (store) => store.given(RUN, runCreated()),
    when: (store) => store.create(RUN, runCreated()),
    verify: (outcome) => rejected(outcome, 'EntityConflictError', 409),
  },
  {
    name: 'run_started moves a pending run to running and stamps startedAt',
    given: (store) => store.given(RUN, runCreated()),
    when: (store) => store.create(RUN, runStarted),
    verify: (outcome) => {
      const { result, events } = applied(outcome);
      expect(result.run?.status).toBe('running');
      expect(result.run?.startedAt).toEqual(events[0]!.createdAt);
    },
  },
  {
    name: 'run_started on a running run is idempotent: no event, startedAt kept',
    given: (store) => {
      store.given(RUN, runCreated());
      store.given(RUN, runStarted);
      store.now += 60_000;
    },
    when: (store) => store.create(RUN, runStarted),
    verify: (outcome, store) => {
      expect(outcome.kind).toBe('unchanged');
      if (outcome.kind !== 'unchanged') return;
      expect(outcome.result.event).toBeUndefined();
      expect(outcome.result.run?.startedAt).toEqual(store.runs.get(RUN)!.run.startedAt);
      expect(store.log).toHaveLength(2);
    },
  },
  ...TERMINAL.map(
    (status): Rule => ({
      name: `run_started on a ${status} run is expired`,
      given: (store) => {
        store.given(RUN, runCreated());
        store.given(RUN, runStarted);
        terminate(store, status);
      },
      when: (store) => store.create(RUN, runStarted),
      verify: (outcome) => rejected(outcome, 'RunExpiredError', 410),
    }),
  ),
  {
    name: 'run_started bootstraps a missing run from its creation data with a synthetic run_created',
    when: (store) =>
      store.create(RUN, {
        eventType: 'run_started',
        eventData: { deploymentId: 'dpl_1', workflowName: 'workflow//w//main', input: bytes(5) },
      }),
    verify: (outcome) => {
      const { result, events } = applied(outcome);
      expect(events.map((e) => e.eventType)).toEqual(['run_created', 'run_started']);
      expect(events[0]).toMatchObject({ eventData: { deploymentId: 'dpl_1', input: bytes(5) } });
      expect(events[1]).not.toHaveProperty('eventData');
      expect(result.run).toMatchObject({
        status: 'running',
        input: bytes(5),
        workflowName: 'workflow//w//main',
      });
      expect(events[1]!.eventId > events[0]!.eventId).toBe(true);
    },
  },
  {
    name: 'run_started never stores its eventData on an existing run',
    given: (store) => store.given(RUN, runCreated()),
    when: (store) =>
      store.create(RUN, {
        eventType: 'run_started',
        eventData: { deploymentId: 'dpl_other', workflowName: 'w', input: bytes(6) },
      }),
    verify: (outcome) => {
      const { result, events } = applied(outcome);
      expect(events[0]).not.toHaveProperty('eventData');
      expect(result.run?.deploymentId).toBe('dpl_test');
    },
  },
  {
    name: 'run_started on a missing run without creation data is not found',
    when: (store) => store.create(RUN, runStarted),
    verify: (outcome) => rejected(outcome, 'WorkflowRunNotFoundError', 404),
  },
  {
    name: 'run_started on a missing run with partial creation data is not found',
    when: (store) =>
      store.create(RUN, { eventType: 'run_started', eventData: { deploymentId: 'dpl_1' } }),
    verify: (outcome) => rejected(outcome, 'WorkflowRunNotFoundError'),
  },
  {
    name: 'run_created after a bootstrap is a conflict',
    given: (store) =>
      store.given(RUN, {
        eventType: 'run_started',
        eventData: { deploymentId: 'dpl_1', workflowName: 'w', input: bytes(5) },
      }),
    when: (store) => store.create(RUN, runCreated()),
    verify: (outcome) => rejected(outcome, 'EntityConflictError'),
  },
  {
    name: 'any other event on a missing run is run-not-found',
    when: (store) => store.create(RUN, stepCreated(STEP)),
    verify: (outcome) => rejected(outcome, 'WorkflowRunNotFoundError'),
  },
  {
    name: 'run_completed completes the run with its output and releases its resources',
    given: (store) => {
      store.given(RUN, runCreated());
      store.given(RUN, runStarted);
    },
    when: (store) =>
      store.create(RUN, { eventType: 'run_completed', eventData: { output: bytes(42) } }),
    verify: (outcome) => {
      const { result, changes, events } = applied(outcome);
      expect(result.run).toMatchObject({ status: 'completed', output: bytes(42) });
      expect(result.run?.completedAt).toEqual(events[0]!.createdAt);
      expect(changes.releaseRunResources).toBe(true);
    },
  },
  ...TERMINAL.map(
    (status): Rule => ({
      name: `run_completed on a ${status} run is a conflict`,
      given: (store) => {
        store.given(RUN, runCreated());
        terminate(store, status);
      },
      when: (store) =>
        store.create(RUN, { eventType: 'run_completed', eventData: { output: bytes(1) } }),
      verify: (outcome) => rejected(outcome, 'EntityConflictError'),
    }),
  ),
  {
    name: 'run_failed fails the run with a structured error carrying the error code',
    given: (store) => store.given(RUN, runCreated()),
    when: (store) =>
      store.create(RUN, {
        eventType: 'run_failed',
        eventData: { error: { message: 'bad', stack: 'at x' }, errorCode: 'USER_ERROR' },
      }),
    verify: (outcome) => {
      const { result, changes } = applied(outcome);
      expect(result.run).toMatchObject({
        status: 'failed',
        error: { message: 'bad', stack: 'at x', code: 'USER_ERROR' },
      });
      expect(changes.releaseRunResources).toBe(true);
    },
  },
  {
    name: 'run_failed accepts a string error and falls back to "Unknown error"',
    given: (store) => {
      store.given(RUN, runCreated());
      store.given(OTHER_RUN, runCreated());
    },
    when: (store) => {
      const first = applied(
        store.create(RUN, { eventType: 'run_failed', eventData: { error: 'plain' } }),
      );
      expect(first.result.run).toMatchObject({ error: { message: 'plain' } });
      return store.create(OTHER_RUN, { eventType: 'run_failed', eventData: { error: 42 } });
    },
    verify: (outcome) =>
      expect(applied(outcome).result.run).toMatchObject({ error: { message: 'Unknown error' } }),
  },
  ...TERMINAL.map(
    (status): Rule => ({
      name: `run_failed on a ${status} run is a conflict`,
      given: (store) => {
        store.given(RUN, runCreated());
        terminate(store, status);
      },
      when: (store) =>
        store.create(RUN, { eventType: 'run_failed', eventData: { error: 'again' } }),
      verify: (outcome) => rejected(outcome, 'EntityConflictError'),
    }),
  ),
  ...(['pending', 'running'] as const).map(
    (status): Rule => ({
      name: `run_cancelled cancels a ${status} run and releases its resources`,
      given: (store) => {
        store.given(RUN, runCreated());
        if (status === 'running') store.given(RUN, runStarted);
      },
      when: (store) => store.create(RUN, { eventType: 'run_cancelled' }),
      verify: (outcome) => {
        const { result, changes } = applied(outcome);
        expect(result.run?.status).toBe('cancelled');
        expect(result.run?.completedAt).toBeInstanceOf(Date);
        expect(changes.releaseRunResources).toBe(true);
      },
    }),
  ),
  {
    name: 'run_cancelled on a cancelled run is idempotent: nothing appended',
    given: (store) => {
      store.given(RUN, runCreated());
      terminate(store, 'cancelled');
    },
    when: (store) => store.create(RUN, { eventType: 'run_cancelled' }),
    verify: (outcome, store) => {
      expect(outcome.kind).toBe('unchanged');
      if (outcome.kind === 'unchanged') expect(outcome.result.run?.status).toBe('cancelled');
      expect(store.log.map((e) => e.eventType)).toEqual(['run_created', 'run_cancelled']);
    },
  },
  ...(['completed', 'failed'] as const).map(
    (status): Rule => ({
      name: `run_cancelled on a ${status} run is a conflict`,
      given: (store) => {
        store.given(RUN, runCreated());
        terminate(store, status);
      },
      when: (store) => store.create(RUN, { eventType: 'run_cancelled' }),
      verify: (outcome) => rejected(outcome, 'EntityConflictError'),
    }),
  ),
  {
    name: 'a run of a newer spec version is not supported',
    given: (store) => {
      store.given(RUN, runCreated());
      const state = store.runs.get(RUN)!;
      store.runs.set(RUN, {
        ...state,
        run: { ...state.run, specVersion: RUN_SPEC_VERSION_MAX + 1 },
      });
    },
    when: (store) => store.create(RUN, runStarted),
    verify: (outcome) => rejected(outcome, 'RunNotSupportedError'),
  },
  {
    name: 'a terminal run transition releases hook tokens and waits',
    given: (store) => {
      store.given(RUN, runCreated());
      store.given(RUN, hookCreated(HOOK, 'tok-release'));
      store.given(RUN, waitCreated(WAIT, new Date(T0 + 1000)));
      store.given(RUN, { eventType: 'run_completed', eventData: { output: bytes(1) } });
      store.given(OTHER_RUN, runCreated());
    },
    when: (store) => store.create(OTHER_RUN, hookCreated(HOOK_2, 'tok-release')),
    verify: (outcome, store) => {
      expect(applied(outcome).result.hook?.token).toBe('tok-release');
      expect([...store.waits.values()].filter((w) => w.runId === RUN)).toEqual([]);
    },
  },
];

const stepRules: Rule[] = [
  {
    name: 'step_created creates a pending step at attempt 0',
    given: (store) => store.given(RUN, runCreated()),
    when: (store) => store.create(RUN, stepCreated(STEP)),
    verify: (outcome) => {
      const { result, events } = applied(outcome);
      expect(result.step).toMatchObject({
        runId: RUN,
        stepId: STEP,
        stepName: 'step//./src/w//add',
        status: 'pending',
        attempt: 0,
        input: bytes(4, 5),
        specVersion: 3,
      });
      expect(result.step?.createdAt).toEqual(events[0]!.createdAt);
    },
  },
  {
    name: 'step_created twice for one step is a conflict',
    given: (store) => {
      store.given(RUN, runCreated());
      store.given(RUN, stepCreated(STEP));
    },
    when: (store) => store.create(RUN, stepCreated(STEP)),
    verify: (outcome) => rejected(outcome, 'EntityConflictError', 409),
  },
  ...TERMINAL.map(
    (status): Rule => ({
      name: `step_created on a ${status} run is a conflict`,
      given: (store) => {
        store.given(RUN, runCreated());
        terminate(store, status);
      },
      when: (store) => store.create(RUN, stepCreated(STEP)),
      verify: (outcome) => rejected(outcome, 'EntityConflictError'),
    }),
  ),
  {
    name: 'step_started on a missing step is a 404 world error',
    given: (store) => store.given(RUN, runCreated()),
    when: (store) => store.create(RUN, stepStarted(STEP)),
    verify: (outcome) => rejected(outcome, 'WorkflowWorldError', 404),
  },
  {
    name: 'step_started runs the step, counts the attempt and stamps startedAt; the result carries input',
    given: (store) => {
      store.given(RUN, runCreated());
      store.given(RUN, stepCreated(STEP));
    },
    when: (store) => store.create(RUN, stepStarted(STEP)),
    verify: (outcome) => {
      const { result, events } = applied(outcome);
      expect(result.step).toMatchObject({ status: 'running', attempt: 1, input: bytes(4, 5) });
      expect(result.step?.startedAt).toEqual(events[0]!.createdAt);
    },
  },
  {
    name: 'step_started again counts another attempt and keeps the first startedAt',
    given: (store) => {
      store.given(RUN, runCreated());
      store.given(RUN, stepCreated(STEP));
      store.given(RUN, stepStarted(STEP));
      store.now += 5_000;
    },
    when: (store) => store.create(RUN, stepStarted(STEP)),
    verify: (outcome, store) => {
      const { result } = applied(outcome);
      expect(result.step?.attempt).toBe(2);
      expect(result.step?.startedAt).toEqual(new Date(T0));
      expect(store.now).toBe(T0 + 5_000);
    },
  },
  ...(['completed', 'failed'] as const).map(
    (status): Rule => ({
      name: `step_started on a ${status} step is a conflict`,
      given: (store) => {
        store.given(RUN, runCreated());
        store.given(RUN, stepCreated(STEP));
        store.given(RUN, stepStarted(STEP));
        store.given(
          RUN,
          status === 'completed'
            ? stepCompleted(STEP)
            : { eventType: 'step_failed', correlationId: STEP, eventData: { error: 'x' } },
        );
      },
      when: (store) => store.create(RUN, stepStarted(STEP)),
      verify: (outcome) => rejected(outcome, 'EntityConflictError'),
    }),
  ),
  {
    name: 'step_started on a pending step of a terminal run is expired',
    given: (store) => {
      store.given(RUN, runCreated());
      store.given(RUN, stepCreated(STEP));
      terminate(store, 'cancelled');
    },
    when: (store) => store.create(RUN, stepStarted(STEP)),
    verify: (outcome) => rejected(outcome, 'RunExpiredError', 410),
  },
  {
    name: 'step_started on a running step of a terminal run is allowed',
    given: (store) => {
      store.given(RUN, runCreated());
      store.given(RUN, stepCreated(STEP));
      store.given(RUN, stepStarted(STEP));
      terminate(store, 'cancelled');
    },
    when: (store) => store.create(RUN, stepStarted(STEP)),
    verify: (outcome) => expect(applied(outcome).result.step?.attempt).toBe(2),
  },
  {
    name: 'step_started before retryAfter is too early, with the seconds left rounded up',
    given: (store) => {
      store.given(RUN, runCreated());
      store.given(RUN, stepCreated(STEP));
      store.given(RUN, stepStarted(STEP));
      store.given(RUN, {
        eventType: 'step_retrying',
        correlationId: STEP,
        eventData: { error: 'flaky', retryAfter: new Date(T0 + 2_500) },
      });
    },
    when: (store) => store.create(RUN, stepStarted(STEP)),
    verify: (outcome) => expect(rejected(outcome, 'TooEarlyError', 425).retryAfter).toBe(3),
  },
  {
    name: 'step_started after retryAfter runs the step and clears retryAfter',
    given: (store) => {
      store.given(RUN, runCreated());
      store.given(RUN, stepCreated(STEP));
      store.given(RUN, stepStarted(STEP));
      store.given(RUN, {
        eventType: 'step_retrying',
        correlationId: STEP,
        eventData: { error: 'flaky', retryAfter: new Date(T0 + 2_500) },
      });
      store.now = T0 + 2_500;
    },
    when: (store) => store.create(RUN, stepStarted(STEP)),
    verify: (outcome) => {
      const step = applied(outcome).result.step!;
      expect(step).toMatchObject({ status: 'running', attempt: 2, error: { message: 'flaky' } });
      expect(step.retryAfter).toBeUndefined();
    },
  },
  {
    name: 'step_completed completes the step with its result',
    given: (store) => {
      store.given(RUN, runCreated());
      store.given(RUN, stepCreated(STEP));
      store.given(RUN, stepStarted(STEP));
    },
    when: (store) => store.create(RUN, stepCompleted(STEP)),
    verify: (outcome) => {
      const { result, events } = applied(outcome);
      expect(result.step).toMatchObject({ status: 'completed', output: bytes(9), attempt: 1 });
      expect(result.step?.completedAt).toEqual(events[0]!.createdAt);
    },
  },
  {
    name: 'step_completed on a completed step is a conflict (the losing completer)',
    given: (store) => {
      store.given(RUN, runCreated());
      store.given(RUN, stepCreated(STEP));
      store.given(RUN, stepStarted(STEP));
      store.given(RUN, stepCompleted(STEP));
    },
    when: (store) => store.create(RUN, stepCompleted(STEP)),
    verify: (outcome) => rejected(outcome, 'EntityConflictError', 409),
  },
  {
    name: 'step_completed on a missing step is a 404 world error',
    given: (store) => store.given(RUN, runCreated()),
    when: (store) => store.create(RUN, stepCompleted(STEP)),
    verify: (outcome) => rejected(outcome, 'WorkflowWorldError', 404),
  },
  {
    name: 'step_completed is accepted after the run terminated',
    given: (store) => {
      store.given(RUN, runCreated());
      store.given(RUN, stepCreated(STEP));
      store.given(RUN, stepStarted(STEP));
      terminate(store, 'cancelled');
    },
    when: (store) => store.create(RUN, stepCompleted(STEP)),
    verify: (outcome) => expect(applied(outcome).result.step?.status).toBe('completed'),
  },
  {
    name: 'step_failed fails the step with the message and stack',
    given: (store) => {
      store.given(RUN, runCreated());
      store.given(RUN, stepCreated(STEP));
      store.given(RUN, stepStarted(STEP));
    },
    when: (store) =>
      store.create(RUN, {
        eventType: 'step_failed',
        correlationId: STEP,
        eventData: { error: 'nope', stack: 'at y' },
      }),
    verify: (outcome) => {
      const { result } = applied(outcome);
      expect(result.step).toMatchObject({
        status: 'failed',
        error: { message: 'nope', stack: 'at y' },
      });
      expect(result.step?.completedAt).toBeInstanceOf(Date);
    },
  },
  {
    name: 'step_failed on a failed step is a conflict',
    given: (store) => {
      store.given(RUN, runCreated());
      store.given(RUN, stepCreated(STEP));
      store.given(RUN, {
        eventType: 'step_failed',
        correlationId: STEP,
        eventData: { error: 'x' },
      });
    },
    when: (store) =>
      store.create(RUN, {
        eventType: 'step_failed',
        correlationId: STEP,
        eventData: { error: 'y' },
      }),
    verify: (outcome) => rejected(outcome, 'EntityConflictError'),
  },
  {
    name: 'step_failed on a pending step of a terminal run is expired',
    given: (store) => {
      store.given(RUN, runCreated());
      store.given(RUN, stepCreated(STEP));
      terminate(store, 'failed');
    },
    when: (store) =>
      store.create(RUN, {
        eventType: 'step_failed',
        correlationId: STEP,
        eventData: { error: 'x' },
      }),
    verify: (outcome) => rejected(outcome, 'RunExpiredError'),
  },
  {
    name: 'step_failed on a missing step is a 404 world error',
    given: (store) => store.given(RUN, runCreated()),
    when: (store) =>
      store.create(RUN, {
        eventType: 'step_failed',
        correlationId: STEP,
        eventData: { error: 'x' },
      }),
    verify: (outcome) => rejected(outcome, 'WorkflowWorldError', 404),
  },
  {
    name: 'step_retrying returns the step to pending with the error and retryAfter',
    given: (store) => {
      store.given(RUN, runCreated());
      store.given(RUN, stepCreated(STEP));
      store.given(RUN, stepStarted(STEP));
    },
    when: (store) =>
      store.create(RUN, {
        eventType: 'step_retrying',
        correlationId: STEP,
        eventData: { error: { message: 'later' }, stack: 'at z', retryAfter: new Date(T0 + 9_000) },
      }),
    verify: (outcome) =>
      expect(applied(outcome).result.step).toMatchObject({
        status: 'pending',
        attempt: 1,
        error: { message: 'later', stack: 'at z' },
        retryAfter: new Date(T0 + 9_000),
      }),
  },
  {
    name: 'step_retrying without retryAfter clears an earlier one',
    given: (store) => {
      store.given(RUN, runCreated());
      store.given(RUN, stepCreated(STEP));
      store.given(RUN, {
        eventType: 'step_retrying',
        correlationId: STEP,
        eventData: { error: 'a', retryAfter: new Date(T0 + 9_000) },
      });
    },
    when: (store) =>
      store.create(RUN, {
        eventType: 'step_retrying',
        correlationId: STEP,
        eventData: { error: 'b' },
      }),
    verify: (outcome) => expect(applied(outcome).result.step?.retryAfter).toBeUndefined(),
  },
  {
    name: 'step_retrying on a completed step is a conflict',
    given: (store) => {
      store.given(RUN, runCreated());
      store.given(RUN, stepCreated(STEP));
      store.given(RUN, stepCompleted(STEP));
    },
    when: (store) =>
      store.create(RUN, {
        eventType: 'step_retrying',
        correlationId: STEP,
        eventData: { error: 'x' },
      }),
    verify: (outcome) => rejected(outcome, 'EntityConflictError'),
  },
  {
    name: 'step_retrying on a missing step is a 404 world error',
    given: (store) => store.given(RUN, runCreated()),
    when: (store) =>
      store.create(RUN, {
        eventType: 'step_retrying',
        correlationId: STEP,
        eventData: { error: 'x' },
      }),
    verify: (outcome) => rejected(outcome, 'WorkflowWorldError', 404),
  },
];

const hookRules: Rule[] = [
  {
    name: 'hook_created creates the hook and claims its token; isWebhook defaults to false',
    given: (store) => store.given(RUN, runCreated()),
    when: (store) => store.create(RUN, hookCreated(HOOK, 'order:1')),
    verify: (outcome) => {
      const { result, changes } = applied(outcome);
      expect(result.hook).toMatchObject({
        runId: RUN,
        hookId: HOOK,
        token: 'order:1',
        metadata: bytes(7),
        isWebhook: false,
        specVersion: 3,
      });
      expect(changes.createdHook).toEqual(result.hook);
    },
  },
  {
    name: 'hook_created keeps isWebhook when given',
    given: (store) => store.given(RUN, runCreated()),
    when: (store) =>
      store.create(RUN, {
        eventType: 'hook_created',
        correlationId: HOOK,
        eventData: { token: 'wh', isWebhook: true },
      }),
    verify: (outcome) => expect(applied(outcome).result.hook?.isWebhook).toBe(true),
  },
  {
    name: 'hook_created with a token held by another run appends hook_conflict naming that run',
    given: (store) => {
      store.given(OTHER_RUN, runCreated());
      store.given(OTHER_RUN, hookCreated(HOOK, 'shared'));
      store.given(RUN, runCreated());
    },
    when: (store) => store.create(RUN, hookCreated(HOOK_2, 'shared')),
    verify: (outcome) => {
      const { result, changes, events } = applied(outcome);
      expect(events).toHaveLength(1);
      expect(result.event).toMatchObject({
        eventType: 'hook_conflict',
        correlationId: HOOK_2,
        eventData: { token: 'shared', conflictingRunId: OTHER_RUN },
      });
      expect(result.hook).toBeUndefined();
      expect(changes.createdHook).toBeUndefined();
    },
  },
  {
    name: 'hook_created with a token held by another hook of the same run is a hook_conflict',
    given: (store) => {
      store.given(RUN, runCreated());
      store.given(RUN, hookCreated(HOOK, 'mine'));
    },
    when: (store) => store.create(RUN, hookCreated(HOOK_2, 'mine')),
    verify: (outcome) =>
      expect(applied(outcome).result.event).toMatchObject({
        eventType: 'hook_conflict',
        eventData: { conflictingRunId: RUN },
      }),
  },
  {
    name: 'hook_created again for the same hook is a conflict, never a hook_conflict with itself',
    given: (store) => {
      store.given(RUN, runCreated());
      store.given(RUN, hookCreated(HOOK, 'same'));
    },
    when: (store) => store.create(RUN, hookCreated(HOOK, 'same')),
    verify: (outcome) => rejected(outcome, 'EntityConflictError', 409),
  },
  {
    name: 'hook_created for a hook that was disposed is still a duplicate creation',
    given: (store) => {
      store.given(RUN, runCreated());
      store.given(RUN, hookCreated(HOOK, 'gone'));
      store.given(RUN, { eventType: 'hook_disposed', correlationId: HOOK });
    },
    when: (store) => store.create(RUN, hookCreated(HOOK, 'gone')),
    verify: (outcome) => rejected(outcome, 'EntityConflictError'),
  },
  ...TERMINAL.map(
    (status): Rule => ({
      name: `hook_created on a ${status} run is a conflict`,
      given: (store) => {
        store.given(RUN, runCreated());
        terminate(store, status);
      },
      when: (store) => store.create(RUN, hookCreated(HOOK, 't')),
      verify: (outcome) => rejected(outcome, 'EntityConflictError'),
    }),
  ),
  {
    name: 'hook_received appends the payload and changes no entity',
    given: (store) => {
      store.given(RUN, runCreated());
      store.given(RUN, hookCreated(HOOK, 'recv'));
    },
    when: (store) => store.create(RUN, hookReceived(HOOK)),
    verify: (outcome) => {
      const { result, changes } = applied(outcome);
      expect(result.event).toMatchObject({
        eventType: 'hook_received',
        eventData: { payload: bytes(8) },
      });
      expect(changes).toEqual({ run: false, releaseRunResources: false });
    },
  },
  {
    name: 'hook_received for a missing hook is hook-not-found',
    given: (store) => store.given(RUN, runCreated()),
    when: (store) => store.create(RUN, hookReceived(HOOK)),
    verify: (outcome) => rejected(outcome, 'HookNotFoundError', 404),
  },
  {
    name: 'hook_received after the run terminated is hook-not-found (its hooks were deleted)',
    given: (store) => {
      store.given(RUN, runCreated());
      store.given(RUN, hookCreated(HOOK, 'late'));
      terminate(store, 'completed');
    },
    when: (store) => store.create(RUN, hookReceived(HOOK)),
    verify: (outcome) => rejected(outcome, 'HookNotFoundError'),
  },
  {
    name: 'hook_disposed deletes the hook and releases its token',
    given: (store) => {
      store.given(RUN, runCreated());
      store.given(RUN, hookCreated(HOOK, 'free-me'));
    },
    when: (store) =>
      store.create(RUN, {
        eventType: 'hook_disposed',
        correlationId: HOOK,
        eventData: { token: 'free-me' },
      }),
    verify: (outcome, store) => {
      expect(applied(outcome).changes.deletedHook?.token).toBe('free-me');
      expect(store.tokens.has('free-me')).toBe(false);
    },
  },
  {
    name: 'hook_disposed twice: the second dispose is hook-not-found',
    given: (store) => {
      store.given(RUN, runCreated());
      store.given(RUN, hookCreated(HOOK, 'twice'));
      store.given(RUN, { eventType: 'hook_disposed', correlationId: HOOK });
    },
    when: (store) => store.create(RUN, { eventType: 'hook_disposed', correlationId: HOOK }),
    verify: (outcome) => rejected(outcome, 'HookNotFoundError'),
  },
];

const waitRules: Rule[] = [
  {
    name: 'wait_created creates a waiting wait keyed by run and correlation id',
    given: (store) => store.given(RUN, runCreated()),
    when: (store) => store.create(RUN, waitCreated(WAIT, new Date(T0 + 60_000))),
    verify: (outcome) =>
      expect(applied(outcome).result.wait).toMatchObject({
        waitId: `${RUN}-${WAIT}`,
        runId: RUN,
        status: 'waiting',
        resumeAt: new Date(T0 + 60_000),
      }),
  },
  {
    name: 'wait_created twice for one wait is a conflict',
    given: (store) => {
      store.given(RUN, runCreated());
      store.given(RUN, waitCreated(WAIT, new Date(T0)));
    },
    when: (store) => store.create(RUN, waitCreated(WAIT, new Date(T0))),
    verify: (outcome) => rejected(outcome, 'EntityConflictError'),
  },
  ...TERMINAL.map(
    (status): Rule => ({
      name: `wait_created on a ${status} run is a conflict`,
      given: (store) => {
        store.given(RUN, runCreated());
        terminate(store, status);
      },
      when: (store) => store.create(RUN, waitCreated(WAIT, new Date(T0))),
      verify: (outcome) => rejected(outcome, 'EntityConflictError'),
    }),
  ),
  {
    name: 'wait_completed completes the wait once, keeping resumeAt on the event',
    given: (store) => {
      store.given(RUN, runCreated());
      store.given(RUN, waitCreated(WAIT, new Date(T0 + 1_234)));
    },
    when: (store) =>
      store.create(RUN, {
        eventType: 'wait_completed',
        correlationId: WAIT,
        eventData: { resumeAt: new Date(T0 + 1_234) },
      }),
    verify: (outcome) => {
      const { result } = applied(outcome);
      expect(result.wait).toMatchObject({ status: 'completed', resumeAt: new Date(T0 + 1_234) });
      expect(result.event).toMatchObject({ eventData: { resumeAt: new Date(T0 + 1_234) } });
    },
  },
  {
    name: 'wait_completed on a completed wait is a conflict',
    given: (store) => {
      store.given(RUN, runCreated());
      store.given(RUN, waitCreated(WAIT, new Date(T0)));
      store.given(RUN, { eventType: 'wait_completed', correlationId: WAIT });
    },
    when: (store) => store.create(RUN, { eventType: 'wait_completed', correlationId: WAIT }),
    verify: (outcome) => rejected(outcome, 'EntityConflictError'),
  },
  {
    name: 'wait_completed on a missing wait is a 404 world error',
    given: (store) => store.given(RUN, runCreated()),
    when: (store) => store.create(RUN, { eventType: 'wait_completed', correlationId: WAIT }),
    verify: (outcome) => rejected(outcome, 'WorkflowWorldError', 404),
  },
  {
    name: 'wait_completed after the run terminated is not found (its waits were deleted)',
    given: (store) => {
      store.given(RUN, runCreated());
      store.given(RUN, waitCreated(WAIT, new Date(T0)));
      terminate(store, 'completed');
    },
    when: (store) => store.create(RUN, { eventType: 'wait_completed', correlationId: WAIT }),
    verify: (outcome) => rejected(outcome, 'WorkflowWorldError', 404),
  },
];

const fenceRules: Rule[] = [
  {
    name: 'guard: stateUpdatedAt older than the marker is refused with 412',
    given: (store) => {
      store.given(RUN, runCreated());
      store.given(RUN, hookCreated(HOOK, 'g1'));
      store.now = T0 + 10;
      store.given(RUN, hookReceived(HOOK));
    },
    when: (store) => store.create(RUN, stepCreated(STEP), { stateUpdatedAt: T0 + 9 }),
    verify: (outcome) => rejected(outcome, 'PreconditionFailedError', 412),
  },
  {
    name: 'guard: stateUpdatedAt equal to the marker passes',
    given: (store) => {
      store.given(RUN, runCreated());
      store.given(RUN, hookCreated(HOOK, 'g2'));
      store.now = T0 + 10;
      store.given(RUN, hookReceived(HOOK));
    },
    when: (store) => store.create(RUN, stepCreated(STEP), { stateUpdatedAt: T0 + 10 }),
    verify: (outcome) => expect(outcome.kind).toBe('applied'),
  },
  {
    name: 'guard: without a marker any stateUpdatedAt passes',
    given: (store) => store.given(RUN, runCreated()),
    when: (store) => store.create(RUN, stepCreated(STEP), { stateUpdatedAt: 0 }),
    verify: (outcome) => expect(outcome.kind).toBe('applied'),
  },
  {
    name: 'guard: an unguarded step_completed advances the marker to its event time',
    given: (store) => {
      store.given(RUN, runCreated());
      store.given(RUN, stepCreated(STEP));
      store.now = T0 + 50;
    },
    when: (store) => store.create(RUN, stepCompleted(STEP)),
    verify: (outcome) => expect(applied(outcome).run.externalMarker).toBe(T0 + 50),
  },
  {
    name: 'guard: a guarded hook_received or step_completed does not advance the marker',
    given: (store) => {
      store.given(RUN, runCreated());
      store.given(RUN, hookCreated(HOOK, 'g3'));
      store.given(RUN, stepCreated(STEP));
      store.now = T0 + 70;
      store.given(RUN, hookReceived(HOOK), { stateUpdatedAt: T0 });
    },
    when: (store) => store.create(RUN, stepCompleted(STEP), { stateUpdatedAt: T0 }),
    verify: (outcome) => expect(applied(outcome).run.externalMarker).toBeUndefined(),
  },
  {
    name: 'guard: other events never advance the marker',
    given: (store) => {
      store.given(RUN, runCreated());
      store.given(RUN, hookCreated(HOOK, 'g4'));
      store.now = T0 + 5;
      store.given(RUN, hookReceived(HOOK));
      store.now = T0 + 500;
    },
    when: (store) => store.create(RUN, stepCreated(STEP)),
    verify: (outcome) => expect(applied(outcome).run.externalMarker).toBe(T0 + 5),
  },
  {
    name: 'fence: lastKnownEventId equal to the newest event passes and advances to the new event',
    given: (store) => store.given(RUN, runCreated()),
    when: (store) =>
      store.create(RUN, stepCreated(STEP), { lastKnownEventId: store.runs.get(RUN)!.lastEventId }),
    verify: (outcome) => {
      const { run, events } = applied(outcome);
      expect(run.lastEventId).toBe(events[0]!.eventId);
    },
  },
  {
    name: 'fence: a stale lastKnownEventId is refused as FENCE_CONFLICT (EntityConflictError, 412)',
    given: (store) => {
      store.given(RUN, runCreated());
      store.given(RUN, stepCreated(STEP));
    },
    when: (store) =>
      store.create(RUN, waitCreated(WAIT, new Date(T0)), {
        lastKnownEventId: store.log[0]!.eventId,
      }),
    verify: (outcome, store) => {
      const error = rejected(outcome, 'EntityConflictError', 412);
      expect(error.code).toBe('FENCE_CONFLICT');
      expect(error.message.startsWith('fence conflict:')).toBe(true);
      expect(store.waits.size).toBe(0);
    },
  },
  {
    name: 'fence: an unfenced hook_received still advances the fence',
    given: (store) => {
      store.given(RUN, runCreated());
      store.given(RUN, hookCreated(HOOK, 'f1'));
    },
    when: (store) => {
      const before = store.runs.get(RUN)!.lastEventId;
      store.given(RUN, hookReceived(HOOK));
      return store.create(RUN, stepCreated(STEP), { lastKnownEventId: before });
    },
    verify: (outcome) =>
      expect(rejected(outcome, 'EntityConflictError').code).toBe('FENCE_CONFLICT'),
  },
  {
    name: 'fence: a hook_conflict append advances the fence',
    given: (store) => {
      store.given(OTHER_RUN, runCreated());
      store.given(OTHER_RUN, hookCreated(HOOK, 'taken'));
      store.given(RUN, runCreated());
      store.given(RUN, hookCreated(HOOK_2, 'taken'));
    },
    when: (store) =>
      store.create(RUN, stepCreated(STEP), { lastKnownEventId: store.log.at(-1)!.eventId }),
    verify: (outcome, store) => {
      expect(store.log.at(-2)?.eventType).toBe('hook_conflict');
      expect(outcome.kind).toBe('applied');
    },
  },
  {
    name: 'fence: lastKnownEventId on run_created is a fence conflict (the run has no events)',
    when: (store) =>
      store.create(RUN, runCreated(), { lastKnownEventId: 'evnt_01JG0000000000000000000000' }),
    verify: (outcome) =>
      expect(rejected(outcome, 'EntityConflictError').code).toBe('FENCE_CONFLICT'),
  },
  {
    name: 'fence: the fence is checked before the event rules',
    given: (store) => {
      store.given(RUN, runCreated());
      store.given(RUN, stepCreated(STEP));
    },
    when: (store) =>
      store.create(RUN, stepCreated(STEP), { lastKnownEventId: store.log[0]!.eventId }),
    verify: (outcome) =>
      expect(rejected(outcome, 'EntityConflictError').code).toBe('FENCE_CONFLICT'),
  },
  {
    name: 'guard and fence: a rejected create leaves the run state untouched',
    given: (store) => {
      store.given(RUN, runCreated());
      store.given(RUN, hookCreated(HOOK, 'g5'));
      store.now = T0 + 10;
      store.given(RUN, hookReceived(HOOK));
    },
    when: (store) => store.create(RUN, stepCreated(STEP), { stateUpdatedAt: T0 }),
    verify: (outcome, store) => {
      rejected(outcome, 'PreconditionFailedError');
      expect(store.steps.size).toBe(0);
      expect(store.log.map((e) => e.eventType)).toEqual([
        'run_created',
        'hook_created',
        'hook_received',
      ]);
    },
  },
];

const idRules: Rule[] = [
  {
    name: 'ids: events appended in one millisecond get strictly increasing ids timed by the append clock',
    given: (store) => {
      store.given(RUN, runCreated());
      for (let i = 0; i < 20; i++) store.given(RUN, stepCreated(`step_${i}`));
    },
    when: (store) => store.create(RUN, stepCreated('step_last')),
    verify: (_outcome, store) => {
      const ids = store.log.map((e) => e.eventId);
      expect([...ids].sort()).toEqual(ids);
      expect(new Set(ids).size).toBe(ids.length);
      expect(store.log.every((e) => e.createdAt.getTime() === idTime(e.eventId))).toBe(true);
    },
  },
  {
    name: 'ids: a clock that steps back never reorders a run',
    given: (store) => {
      store.given(RUN, runCreated());
      store.now = T0 - 60_000;
    },
    when: (store) => store.create(RUN, stepCreated(STEP)),
    verify: (outcome, store) => {
      const [created, step] = store.log;
      expect(step!.eventId > created!.eventId).toBe(true);
      expect(applied(outcome).result.step?.createdAt.getTime()).toBeGreaterThanOrEqual(T0);
    },
  },
];

describe.each([
  ['run events', runRules],
  ['step events', stepRules],
  ['hook events', hookRules],
  ['wait events', waitRules],
  ['fences and the precondition guard', fenceRules],
  ['event ids', idRules],
])('reference state machine: %s', (_area, rules) => {
  it.each(rules.map((rule) => [rule.name, rule] as const))('%s', (_name, rule) => {
    const store = new StoreClass();
    rule.given?.(store);
    rule.verify(rule.when(store), store);
  });
});
