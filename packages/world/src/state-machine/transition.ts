import {
  EntityConflictError,
  EntityNotFoundError,
  FenceConflictError,
  HookNotFoundError,
  PreconditionFailedError,
  RunExpiredError,
  RunNotSupportedError,
  TooEarlyError,
  WorkflowRunNotFoundError,
  WorkflowWorldError,
} from '../errors.js';
import { idTime, nextEventId } from '../ids.js';
import type { AnyEventRequest, Event, EventResult } from '../schemas/events.js';
import type { Hook } from '../schemas/hooks.js';
import { isTerminalRunStatus, type WorkflowRun } from '../schemas/runs.js';
import type { StructuredError } from '../schemas/shared.js';
import { isTerminalStepStatus, type Step } from '../schemas/steps.js';
import { type Wait, waitIdOf } from '../schemas/waits.js';
import { SPEC_VERSION_CURRENT } from '../world.js';
import { bootstrapDataOf } from './bootstrap.js';
import type { EntityChanges, RunState, Transition, TransitionInput } from './types.js';

/** Placeholder ownership fields of hooks: the contract requires them, nothing reads them. */
export const HOOK_OWNER = {
  ownerId: 'worldkit',
  projectId: 'worldkit',
  environment: 'worldkit',
} as const;

type EventOf<T extends AnyEventRequest['eventType']> = Extract<AnyEventRequest, { eventType: T }>;

/**
 * The reference state machine: given a run's state, the entity an event touches, the event and
 * its params, it returns the events to append with the entity changes, an idempotent no-op, or
 * the typed error. Pure and deterministic: the clock and the random source are inputs.
 *
 * The checks run in this order: run existence (with the resilient-start bootstrap), spec version,
 * both fences, then the event's own rules. A rejected transition changes nothing.
 */
export function transition(input: TransitionInput): Transition {
  try {
    return new TransitionBuilder(input).run();
  } catch (error) {
    if (error instanceof WorkflowWorldError) return { kind: 'rejected', error };
    throw error;
  }
}

class TransitionBuilder {
  private readonly events: Event[] = [];
  private readonly changes: EntityChanges = { run: false, releaseRunResources: false };
  private state: RunState | undefined;

  constructor(private readonly input: TransitionInput) {
    this.state = input.run;
  }

  run(): Transition {
    const { event } = this.input;
    if (event.eventType === 'run_created') return this.runCreated(event);

    if (this.state === undefined) {
      const bootstrap = event.eventType === 'run_started' ? bootstrapDataOf(event) : undefined;
      if (bootstrap === undefined) throw new WorkflowRunNotFoundError(this.input.runId);
      this.checkFences(undefined);
      const created = this.append(
        { eventType: 'run_created', specVersion: event.specVersion },
        bootstrap,
      );
      this.createRun(bootstrap, event.specVersion, created.createdAt);
    } else {
      const specVersion = this.state.run.specVersion ?? SPEC_VERSION_CURRENT;
      if (specVersion > SPEC_VERSION_CURRENT)
        throw new RunNotSupportedError(specVersion, SPEC_VERSION_CURRENT);
      this.checkFences(this.state);
    }

    switch (event.eventType) {
      case 'run_started':
        return this.runStarted();
      case 'run_completed':
        return this.runCompleted(event);
      case 'run_failed':
        return this.runFailed(event);
      case 'run_cancelled':
        return this.runCancelled();
      case 'step_created':
        return this.stepCreated(event);
      case 'step_started':
        return this.stepStarted(event);
      case 'step_completed':
        return this.stepCompleted(event);
      case 'step_failed':
        return this.stepFailed(event);
      case 'step_retrying':
        return this.stepRetrying(event);
      case 'hook_created':
        return this.hookCreated(event);
      case 'hook_received':
        return this.hookReceived(event);
      case 'hook_disposed':
        return this.hookDisposed(event);
      case 'wait_created':
        return this.waitCreated(event);
      case 'wait_completed':
        return this.waitCompleted(event);
    }
  }

  // ── fences ────────────────────────────────────────────────────────────────────────────────

  private checkFences(state: RunState | undefined): void {
    const { stateUpdatedAt, lastKnownEventId } = this.input.params;
    const marker = state?.externalMarker;
    if (stateUpdatedAt !== undefined && marker !== undefined && stateUpdatedAt < marker) {
      throw new PreconditionFailedError(
        `run ${this.input.runId} received an external event at ${marker}, after the writer's snapshot at ${stateUpdatedAt}`,
      );
    }
    if (lastKnownEventId !== undefined && lastKnownEventId !== state?.lastEventId) {
      throw new FenceConflictError(this.input.runId, lastKnownEventId, state?.lastEventId);
    }
  }

  // ── run events ────────────────────────────────────────────────────────────────────────────

  private runCreated(event: EventOf<'run_created'>): Transition {
    if (this.state !== undefined)
      throw new EntityConflictError(`run ${this.input.runId} already exists`);
    this.checkFences(undefined);
    const appended = this.append(event, event.eventData);
    this.createRun(event.eventData, event.specVersion, appended.createdAt);
    return this.applied({ run: this.currentRun() });
  }

  private createRun(
    data: EventOf<'run_created'>['eventData'],
    specVersion: number | undefined,
    at: Date,
  ): void {
    const run = {
      runId: this.input.runId,
      status: 'pending',
      deploymentId: data.deploymentId,
      workflowName: data.workflowName,
      specVersion: specVersion ?? SPEC_VERSION_CURRENT,
      input: data.input,
      createdAt: at,
      updatedAt: at,
      ...(data.executionContext === undefined ? {} : { executionContext: data.executionContext }),
    } as WorkflowRun;
    this.state = { run, lastEventId: this.events.at(-1)!.eventId };
    this.changes.run = true;
  }

  private runStarted(): Transition {
    const run = this.currentRun();
    if (isTerminalRunStatus(run.status))
      throw new RunExpiredError(`run ${run.runId} is already ${run.status}`);
    if (run.status === 'running') return { kind: 'unchanged', result: this.withMaxEvents({ run }) };
    const appended = this.append(this.input.event, undefined);
    this.updateRun({ status: 'running', startedAt: appended.createdAt }, appended.createdAt);
    return this.applied({ run: this.currentRun() });
  }

  private runCompleted(event: EventOf<'run_completed'>): Transition {
    this.assertRunNotTerminal();
    const appended = this.append(event, event.eventData);
    this.finishRun({
      status: 'completed',
      output: event.eventData.output,
      completedAt: appended.createdAt,
    });
    return this.applied({ run: this.currentRun() });
  }

  private runFailed(event: EventOf<'run_failed'>): Transition {
    this.assertRunNotTerminal();
    const appended = this.append(event, event.eventData);
    const error = structuredError(event.eventData.error, undefined, event.eventData.errorCode);
    this.finishRun({ status: 'failed', error, completedAt: appended.createdAt });
    return this.applied({ run: this.currentRun() });
  }

  private runCancelled(): Transition {
    const run = this.currentRun();
    // Cancelling twice is a no-op: nothing appended, so a terminal event stays the last run event.
    if (run.status === 'cancelled')
      return { kind: 'unchanged', result: this.withMaxEvents({ run }) };
    this.assertRunNotTerminal();
    const appended = this.append(this.input.event, undefined);
    this.finishRun({ status: 'cancelled', completedAt: appended.createdAt });
    return this.applied({ run: this.currentRun() });
  }

  private finishRun(fields: {
    status: WorkflowRun['status'];
    output?: unknown;
    error?: StructuredError;
    completedAt: Date;
  }): void {
    this.updateRun(fields, fields.completedAt);
    this.changes.releaseRunResources = true;
  }

  // ── step events ───────────────────────────────────────────────────────────────────────────

  private stepCreated(event: EventOf<'step_created'>): Transition {
    this.assertRunNotTerminal();
    if (this.input.step !== undefined) {
      throw new EntityConflictError(
        `step ${event.correlationId} already exists in run ${this.input.runId}`,
      );
    }
    const appended = this.append(event, event.eventData);
    const step: Step = {
      runId: this.input.runId,
      stepId: event.correlationId,
      stepName: event.eventData.stepName,
      status: 'pending',
      input: event.eventData.input,
      attempt: 0,
      createdAt: appended.createdAt,
      updatedAt: appended.createdAt,
      specVersion: event.specVersion ?? SPEC_VERSION_CURRENT,
    };
    this.changes.step = step;
    return this.applied({ step });
  }

  private stepStarted(event: EventOf<'step_started'>): Transition {
    const step = this.existingStep(event.correlationId);
    this.assertStepNotTerminal(step);
    this.assertStepMayFinishOrStart(step);
    if (step.retryAfter !== undefined && step.retryAfter.getTime() > this.input.now) {
      const retryAfter = Math.max(
        1,
        Math.ceil((step.retryAfter.getTime() - this.input.now) / 1000),
      );
      throw new TooEarlyError(
        `step ${step.stepId} may not start before ${step.retryAfter.toISOString()}`,
        {
          retryAfter,
        },
      );
    }
    const appended = this.append(event, event.eventData);
    const { retryAfter: _cleared, ...rest } = step;
    return this.stepResult({
      ...rest,
      status: 'running',
      attempt: step.attempt + 1,
      startedAt: step.startedAt ?? appended.createdAt,
      updatedAt: appended.createdAt,
    });
  }

  private stepCompleted(event: EventOf<'step_completed'>): Transition {
    const step = this.existingStep(event.correlationId);
    this.assertStepNotTerminal(step);
    const appended = this.append(event, event.eventData);
    const { retryAfter: _cleared, error: _error, ...rest } = step;
    return this.stepResult({
      ...rest,
      status: 'completed',
      output: event.eventData.result,
      completedAt: appended.createdAt,
      updatedAt: appended.createdAt,
    });
  }

  private stepFailed(event: EventOf<'step_failed'>): Transition {
    const step = this.existingStep(event.correlationId);
    this.assertStepNotTerminal(step);
    this.assertStepMayFinishOrStart(step);
    const appended = this.append(event, event.eventData);
    const { retryAfter: _cleared, ...rest } = step;
    return this.stepResult({
      ...rest,
      status: 'failed',
      error: structuredError(event.eventData.error, event.eventData.stack),
      completedAt: appended.createdAt,
      updatedAt: appended.createdAt,
    });
  }

  private stepRetrying(event: EventOf<'step_retrying'>): Transition {
    const step = this.existingStep(event.correlationId);
    this.assertStepNotTerminal(step);
    const appended = this.append(event, event.eventData);
    const { retryAfter: _previous, ...rest } = step;
    return this.stepResult({
      ...rest,
      status: 'pending',
      error: structuredError(event.eventData.error, event.eventData.stack),
      updatedAt: appended.createdAt,
      ...(event.eventData.retryAfter === undefined
        ? {}
        : { retryAfter: event.eventData.retryAfter }),
    });
  }

  private existingStep(stepId: string): Step {
    if (this.input.step === undefined) throw new EntityNotFoundError('step', stepId);
    return this.input.step;
  }

  private assertStepNotTerminal(step: Step): void {
    if (isTerminalStepStatus(step.status)) {
      throw new EntityConflictError(`step ${step.stepId} is already ${step.status}`);
    }
  }

  /** Once the run is terminal, only a step already running may still start over or fail. */
  private assertStepMayFinishOrStart(step: Step): void {
    const run = this.currentRun();
    if (isTerminalRunStatus(run.status) && step.status !== 'running') {
      throw new RunExpiredError(
        `run ${run.runId} is ${run.status}; step ${step.stepId} is ${step.status}`,
      );
    }
  }

  private stepResult(step: Step): Transition {
    this.changes.step = step;
    return this.applied({ step });
  }

  // ── hook events ───────────────────────────────────────────────────────────────────────────

  private hookCreated(event: EventOf<'hook_created'>): Transition {
    this.assertRunNotTerminal();
    if (this.input.hookEverCreated || this.input.hook !== undefined) {
      throw new EntityConflictError(
        `hook ${event.correlationId} already exists in run ${this.input.runId}`,
      );
    }
    const holder = this.input.tokenHolder;
    if (holder !== undefined) {
      // A token held by any other hook, in this run or another, is a conflict the runtime must
      // see as an event: a thrown 409 would read as "my own duplicate" and hang the hook.
      const conflict = this.append(
        {
          eventType: 'hook_conflict',
          correlationId: event.correlationId,
          specVersion: event.specVersion,
        },
        { token: event.eventData.token, conflictingRunId: holder.runId },
      );
      return this.applied({ event: conflict });
    }
    const appended = this.append(event, event.eventData);
    const hook: Hook = {
      runId: this.input.runId,
      hookId: event.correlationId,
      token: event.eventData.token,
      ...HOOK_OWNER,
      createdAt: appended.createdAt,
      specVersion: event.specVersion ?? SPEC_VERSION_CURRENT,
      isWebhook: event.eventData.isWebhook ?? false,
      ...(event.eventData.metadata === undefined ? {} : { metadata: event.eventData.metadata }),
    };
    this.changes.createdHook = hook;
    return this.applied({ hook });
  }

  private hookReceived(event: EventOf<'hook_received'>): Transition {
    this.existingHook(event.correlationId);
    this.append(event, event.eventData);
    return this.applied({});
  }

  private hookDisposed(event: EventOf<'hook_disposed'>): Transition {
    const hook = this.existingHook(event.correlationId);
    this.append(event, event.eventData);
    this.changes.deletedHook = hook;
    return this.applied({});
  }

  /** Hooks are deleted on dispose and when their run terminates: both read as "not found". */
  private existingHook(hookId: string): Hook {
    if (this.input.hook === undefined) throw new HookNotFoundError({ hookId });
    return this.input.hook;
  }

  // ── wait events ───────────────────────────────────────────────────────────────────────────

  private waitCreated(event: EventOf<'wait_created'>): Transition {
    this.assertRunNotTerminal();
    if (this.input.wait !== undefined) {
      throw new EntityConflictError(
        `wait ${event.correlationId} already exists in run ${this.input.runId}`,
      );
    }
    const appended = this.append(event, event.eventData);
    const wait: Wait = {
      waitId: waitIdOf(this.input.runId, event.correlationId),
      runId: this.input.runId,
      status: 'waiting',
      resumeAt: event.eventData.resumeAt,
      createdAt: appended.createdAt,
      updatedAt: appended.createdAt,
      specVersion: event.specVersion ?? SPEC_VERSION_CURRENT,
    };
    this.changes.wait = wait;
    return this.applied({ wait });
  }

  private waitCompleted(event: EventOf<'wait_completed'>): Transition {
    const wait = this.input.wait;
    if (wait === undefined)
      throw new EntityNotFoundError('wait', waitIdOf(this.input.runId, event.correlationId));
    if (wait.status === 'completed')
      throw new EntityConflictError(`wait ${wait.waitId} is already completed`);
    const appended = this.append(event, event.eventData);
    const completed: Wait = {
      ...wait,
      status: 'completed',
      completedAt: appended.createdAt,
      updatedAt: appended.createdAt,
    };
    this.changes.wait = completed;
    return this.applied({ wait: completed });
  }

  // ── plumbing ──────────────────────────────────────────────────────────────────────────────

  private currentRun(): WorkflowRun {
    return this.state!.run;
  }

  private assertRunNotTerminal(): void {
    const run = this.currentRun();
    if (isTerminalRunStatus(run.status))
      throw new EntityConflictError(`run ${run.runId} is already ${run.status}`);
  }

  private updateRun(fields: Record<string, unknown>, at: Date): void {
    const state = this.state!;
    this.state = { ...state, run: { ...state.run, ...fields, updatedAt: at } as WorkflowRun };
    this.changes.run = true;
  }

  /**
   * Appends one event: its id comes after the run's newest event (strictly, even within one
   * millisecond or when the clock stepped back) and its `createdAt` is that id's time.
   */
  private append(
    request: {
      eventType: Event['eventType'];
      correlationId?: string | undefined;
      specVersion?: number | undefined;
    },
    eventData: unknown,
  ): Event {
    const previousId = this.events.at(-1)?.eventId ?? this.state?.lastEventId;
    const eventId = nextEventId(previousId, this.input.now, this.input.random);
    const event = {
      runId: this.input.runId,
      eventId,
      eventType: request.eventType,
      createdAt: new Date(idTime(eventId)!),
      specVersion: request.specVersion ?? SPEC_VERSION_CURRENT,
      ...(request.correlationId === undefined ? {} : { correlationId: request.correlationId }),
      ...(eventData === undefined ? {} : { eventData }),
    } as Event;
    this.events.push(event);
    return event;
  }

  private applied(result: EventResult): Transition {
    const last = this.events.at(-1)!;
    const state = this.state!;
    const next: RunState = { ...state, lastEventId: last.eventId };
    if (isExternallyOriginated(last, this.input.params.stateUpdatedAt)) {
      next.externalMarker = idTime(last.eventId)!;
    }
    const withEvent = { ...result, event: result.event ?? last };
    return {
      kind: 'applied',
      events: this.events,
      run: next,
      changes: this.changes,
      result:
        result.run === undefined ? withEvent : this.withMaxEvents({ ...withEvent, run: next.run }),
    };
  }

  private withMaxEvents(result: EventResult): EventResult {
    return this.input.maxEvents === undefined
      ? result
      : { ...result, maxEvents: this.input.maxEvents };
  }
}

/** Only these events, written without a snapshot, move the `stateUpdatedAt` marker. */
function isExternallyOriginated(event: Event, stateUpdatedAt: number | undefined): boolean {
  return (
    stateUpdatedAt === undefined &&
    (event.eventType === 'hook_received' || event.eventType === 'step_completed')
  );
}

/** Normalizes the error shapes runtimes send (a string, an Error-like object) to the stored form. */
export function structuredError(error: unknown, stack?: string, code?: string): StructuredError {
  const record =
    typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : undefined;
  const message =
    typeof error === 'string' && error.length > 0
      ? error
      : typeof record?.message === 'string'
        ? record.message
        : 'Unknown error';
  const resolvedStack = stack ?? (typeof record?.stack === 'string' ? record.stack : undefined);
  return {
    message,
    ...(resolvedStack === undefined ? {} : { stack: resolvedStack }),
    ...(code === undefined ? {} : { code }),
  };
}
