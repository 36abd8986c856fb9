import type { AnyEventRequest, CreateEventParams, Event } from '../../src/schemas/events.js';
import type { Hook } from '../../src/schemas/hooks.js';
import type { Step } from '../../src/schemas/steps.js';
import { type Wait, waitIdOf } from '../../src/schemas/waits.js';
import { transition } from '../../src/state-machine/transition.js';
import type {
  Applied,
  RunState,
  Transition,
  TransitionInput,
} from '../../src/state-machine/types.js';
import { validateCreateEvent } from '../../src/validation.js';

export const RUN = 'wrun_01JG0000000000000000000000';
export const OTHER_RUN = 'wrun_01JG0000000000000000000001';
export const T0 = Date.UTC(2026, 0, 1, 12);

/** A seeded random source, so every transition in a test is reproducible. */
export function seeded(seed = 1): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

/**
 * The smallest store that applies `EntityChanges`: enough to drive the state machine through a
 * history and then look at one transition. Events go through `validateCreateEvent` first, as in
 * a World, so the rows exercise normalized input.
 */
export class Store {
  runs = new Map<string, RunState>();
  steps = new Map<string, Step>();
  hooks = new Map<string, Hook>();
  hooksCreated = new Set<string>();
  tokens = new Map<string, { runId: string; hookId: string }>();
  waits = new Map<string, Wait>();
  log: Event[] = [];
  now = T0;
  private readonly random = seeded();

  input(runId: string, data: AnyEventRequest, params: CreateEventParams = {}): TransitionInput {
    const validated = validateCreateEvent(runId, data, params);
    const { event } = validated;
    const correlationId = 'correlationId' in event ? event.correlationId : undefined;
    const key = `${validated.runId}/${correlationId}`;
    const token = event.eventType === 'hook_created' ? event.eventData.token : undefined;
    return {
      runId: validated.runId,
      event,
      params: validated.params,
      now: this.now,
      run: this.runs.get(validated.runId),
      step: this.steps.get(key),
      hook: this.hooks.get(key),
      hookEverCreated: this.hooksCreated.has(key),
      tokenHolder: token === undefined ? undefined : this.tokens.get(token),
      wait:
        correlationId === undefined
          ? undefined
          : this.waits.get(waitIdOf(validated.runId, correlationId)),
      random: this.random,
    };
  }

  /** Runs one create through the state machine and applies what it decides. */
  create(runId: string, data: AnyEventRequest, params?: CreateEventParams): Transition {
    const result = transition(this.input(runId, data, params));
    if (result.kind === 'applied') this.apply(result);
    return result;
  }

  /** Like `create`, for setup steps that must succeed. */
  given(runId: string, data: AnyEventRequest, params?: CreateEventParams): Applied {
    const result = this.create(runId, data, params);
    if (result.kind !== 'applied') {
      throw new Error(
        `setup ${data.eventType} was ${result.kind}: ${result.kind === 'rejected' ? result.error.message : ''}`,
      );
    }
    return result;
  }

  private apply(applied: Applied): void {
    const { changes, run } = applied;
    const runId = run.run.runId;
    this.runs.set(runId, run);
    this.log.push(...applied.events);
    if (changes.step) this.steps.set(`${runId}/${changes.step.stepId}`, changes.step);
    if (changes.wait) this.waits.set(changes.wait.waitId, changes.wait);
    if (changes.createdHook) {
      const hook = changes.createdHook;
      this.hooks.set(`${runId}/${hook.hookId}`, hook);
      this.hooksCreated.add(`${runId}/${hook.hookId}`);
      this.tokens.set(hook.token, { runId, hookId: hook.hookId });
    }
    if (changes.deletedHook) this.deleteHook(changes.deletedHook);
    if (changes.releaseRunResources) {
      for (const hook of [...this.hooks.values()]) if (hook.runId === runId) this.deleteHook(hook);
      for (const [id, wait] of [...this.waits]) if (wait.runId === runId) this.waits.delete(id);
    }
  }

  private deleteHook(hook: Hook): void {
    this.hooks.delete(`${hook.runId}/${hook.hookId}`);
    this.tokens.delete(hook.token);
  }
}

export const bytes = (...values: number[]) => new Uint8Array(values);

export const runCreated = (workflowName = 'workflow//./src/w//main'): AnyEventRequest => ({
  eventType: 'run_created',
  eventData: { deploymentId: 'dpl_test', workflowName, input: bytes(1, 2, 3) },
});
export const runStarted: AnyEventRequest = { eventType: 'run_started' };
export const stepCreated = (stepId: string): AnyEventRequest => ({
  eventType: 'step_created',
  correlationId: stepId,
  eventData: { stepName: 'step//./src/w//add', input: bytes(4, 5) },
});
export const stepStarted = (stepId: string): AnyEventRequest => ({
  eventType: 'step_started',
  correlationId: stepId,
});
export const stepCompleted = (stepId: string): AnyEventRequest => ({
  eventType: 'step_completed',
  correlationId: stepId,
  eventData: { result: bytes(9) },
});
export const hookCreated = (hookId: string, token: string): AnyEventRequest => ({
  eventType: 'hook_created',
  correlationId: hookId,
  eventData: { token, metadata: bytes(7) },
});
export const hookReceived = (hookId: string): AnyEventRequest => ({
  eventType: 'hook_received',
  correlationId: hookId,
  eventData: { payload: bytes(8) },
});
export const waitCreated = (waitId: string, resumeAt: Date): AnyEventRequest => ({
  eventType: 'wait_created',
  correlationId: waitId,
  eventData: { resumeAt },
});

/** A store holding one started run. */
export function startedRun(): Store {
  const store = new Store();
  store.given(RUN, runCreated());
  store.given(RUN, runStarted);
  return store;
}

/** Freezes a value deeply, so a transition that mutates its input throws. */
export function deepFreeze<T>(value: T): T {
  if (
    value !== null &&
    typeof value === 'object' &&
    !ArrayBuffer.isView(value) &&
    !Object.isFrozen(value)
  ) {
    Object.freeze(value);
    for (const field of Object.values(value as object)) deepFreeze(field);
  }
  return value;
}
