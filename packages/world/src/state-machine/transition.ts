import { WorkflowWorldError } from '../errors.js';
import { idTime, nextEventId, nextSlotEventId } from '../ids.js';
import { type Refusal, refusalError } from '../refusal.js';
import type { AnyEventRequest, Event, EventResult } from '../schemas/events.js';
import type { Hook } from '../schemas/hooks.js';
import type { WorkflowRun } from '../schemas/runs.js';
import type { StructuredError } from '../schemas/shared.js';
import type { Step, StepStatus } from '../schemas/steps.js';
import { type Wait, waitIdOf } from '../schemas/waits.js';
import { RUN_SPEC_VERSION_MAX, usesSlotEventIds } from '../spec-versions.js';
import { SPEC_VERSION_CURRENT } from '../world.js';
import { bootstrapDataOf, type LazyStepData, lazyStepDataOf } from './bootstrap.js';
import { isUnchanged, type RuleFacts, refusalOf, ruleOf } from './evaluate.js';
import { fenceRefusalOf } from './fences.js';
import type { RequestedEventType } from './rules.js';
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
 * both fences, then the event's own rules from the rules table (`rules.ts`). A rejected
 * transition changes nothing. What each event writes is below, one method per event type.
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
    if (event.eventType === 'run_created') {
      // The one rule checked before the fences: a run that exists cannot be fenced as new.
      this.refuseIf(refusalOf('run_created', this.facts()));
      this.refuseIf(fenceRefusalOf(this.input.runId, undefined, this.input.params));
      return this.runCreated(event);
    }

    if (this.state === undefined) {
      const bootstrap = event.eventType === 'run_started' ? bootstrapDataOf(event) : undefined;
      if (bootstrap === undefined) this.refuseIf({ code: 'RUN_NOT_FOUND' });
      this.refuseIf(fenceRefusalOf(this.input.runId, undefined, this.input.params));
      const created = this.append(
        { eventType: 'run_created', specVersion: event.specVersion },
        bootstrap,
      );
      this.createRun(bootstrap!, event.specVersion, created.createdAt);
    } else {
      const specVersion = this.state.run.specVersion ?? SPEC_VERSION_CURRENT;
      if (specVersion > RUN_SPEC_VERSION_MAX)
        this.refuseIf({ code: 'RUN_NOT_SUPPORTED', detail: String(specVersion) });
      this.refuseIf(fenceRefusalOf(this.input.runId, this.state, this.input.params));
    }

    const facts = this.facts();
    const lazyStep = event.eventType === 'step_started' ? lazyStepDataOf(event) : undefined;
    if (lazyStep !== undefined) {
      // The step's create-claim: the rules of its synthetic step_created decide.
      this.refuseIf(refusalOf('step_created', facts));
      return this.lazyStepStarted(event as EventOf<'step_started'>, lazyStep);
    }
    this.refuseIf(refusalOf(event.eventType, facts));
    if (isUnchanged(event.eventType, facts))
      return { kind: 'unchanged', result: this.withMaxEvents({ run: this.currentRun() }) };

    switch (event.eventType) {
      case 'run_started':
        return this.runStarted();
      case 'run_completed':
        return this.runCompleted(event);
      case 'run_failed':
        return this.runFailed(event);
      case 'run_cancelled':
        return this.runCancelled(event);
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

  // ── the rules' view of the state ─────────────────────────────────────────────────────────

  private facts(): RuleFacts {
    const { event, now, runId } = this.input;
    const correlationId = 'correlationId' in event ? (event.correlationId ?? '') : '';
    const runStatus = this.state?.run.status;
    const base = { runId, correlationId, runStatus, now };
    switch (ruleOf(event.eventType).entity) {
      case 'run':
        return { ...base, entityStatus: runStatus };
      case 'step':
        return {
          ...base,
          entityStatus: this.input.step?.status,
          retryAfter: this.input.step?.retryAfter?.getTime(),
        };
      case 'hook':
        return {
          ...base,
          entityStatus:
            this.input.hook !== undefined
              ? 'active'
              : this.input.hookEverCreated
                ? 'disposed'
                : undefined,
        };
      case 'wait':
        return { ...base, entityStatus: this.input.wait?.status };
    }
  }

  private refuseIf(refusal: Refusal | undefined): void {
    if (refusal === undefined) return;
    const { event, runId, params } = this.input;
    throw refusalError(refusal, {
      runId,
      eventType: event.eventType,
      correlationId: 'correlationId' in event ? event.correlationId : undefined,
      lastKnownEventId: params.lastKnownEventId,
    });
  }

  // ── run events ────────────────────────────────────────────────────────────────────────────

  private runCreated(event: EventOf<'run_created'>): Transition {
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
      status: ruleOf('run_created').becomes,
      deploymentId: data.deploymentId,
      workflowName: data.workflowName,
      specVersion: specVersion ?? SPEC_VERSION_CURRENT,
      input: data.input,
      createdAt: at,
      updatedAt: at,
      ...(data.executionContext === undefined ? {} : { executionContext: data.executionContext }),
      ...(data.attributes === undefined ? {} : { attributes: data.attributes }),
    } as WorkflowRun;
    this.state = { run, lastEventId: this.events.at(-1)!.eventId };
    this.changes.run = true;
  }

  private runStarted(): Transition {
    const appended = this.append(this.input.event, undefined);
    this.updateRun({ status: this.becomes(), startedAt: appended.createdAt }, appended.createdAt);
    return this.applied({ run: this.currentRun() });
  }

  private runCompleted(event: EventOf<'run_completed'>): Transition {
    const appended = this.append(event, event.eventData);
    this.finishRun({ output: event.eventData.output, completedAt: appended.createdAt });
    return this.applied({ run: this.currentRun() });
  }

  private runFailed(event: EventOf<'run_failed'>): Transition {
    const appended = this.append(event, event.eventData);
    const error = structuredError(event.eventData.error, undefined, event.eventData.errorCode);
    this.finishRun({ error, completedAt: appended.createdAt });
    return this.applied({ run: this.currentRun() });
  }

  private runCancelled(event: EventOf<'run_cancelled'>): Transition {
    const appended = this.append(event, event.eventData);
    this.finishRun({ completedAt: appended.createdAt });
    return this.applied({ run: this.currentRun() });
  }

  private finishRun(fields: {
    output?: unknown;
    error?: StructuredError;
    completedAt: Date;
  }): void {
    this.updateRun({ ...fields, status: this.becomes() }, fields.completedAt);
    this.changes.releaseRunResources = ruleOf(this.input.event.eventType).endsRun === true;
  }

  // ── step events ───────────────────────────────────────────────────────────────────────────

  private stepCreated(event: EventOf<'step_created'>): Transition {
    const appended = this.append(event, event.eventData);
    return this.stepResult({
      runId: this.input.runId,
      stepId: event.correlationId,
      stepName: event.eventData.stepName,
      status: this.becomes(),
      input: event.eventData.input,
      attempt: 0,
      createdAt: appended.createdAt,
      updatedAt: appended.createdAt,
      specVersion: event.specVersion ?? SPEC_VERSION_CURRENT,
    });
  }

  private stepStarted(event: EventOf<'step_started'>): Transition {
    const step = this.input.step!;
    const appended = this.append(event, event.eventData);
    const { retryAfter: _cleared, ...rest } = step;
    return this.stepResult({
      ...rest,
      status: this.becomes(),
      attempt: step.attempt + 1,
      startedAt: step.startedAt ?? appended.createdAt,
      updatedAt: appended.createdAt,
    });
  }

  /** A lazy start: the step is created (a synthetic step_created first) and started at once. */
  private lazyStepStarted(event: EventOf<'step_started'>, data: LazyStepData): Transition {
    const created = this.append(
      {
        eventType: 'step_created',
        correlationId: event.correlationId,
        specVersion: event.specVersion,
      },
      data,
    );
    const { input: _onStepCreated, ...startData } = event.eventData!;
    const started = this.append(event, startData);
    const transition = this.stepResult({
      runId: this.input.runId,
      stepId: event.correlationId,
      stepName: data.stepName,
      status: this.becomes(),
      input: data.input,
      attempt: 1,
      startedAt: started.createdAt,
      createdAt: created.createdAt,
      updatedAt: started.createdAt,
      specVersion: event.specVersion ?? SPEC_VERSION_CURRENT,
    });
    if (transition.kind === 'applied') transition.result.stepCreated = true;
    return transition;
  }

  private stepCompleted(event: EventOf<'step_completed'>): Transition {
    const appended = this.append(event, event.eventData);
    const { retryAfter: _cleared, error: _error, ...rest } = this.input.step!;
    return this.stepResult({
      ...rest,
      status: this.becomes(),
      output: event.eventData.result,
      completedAt: appended.createdAt,
      updatedAt: appended.createdAt,
    });
  }

  private stepFailed(event: EventOf<'step_failed'>): Transition {
    const appended = this.append(event, event.eventData);
    const { retryAfter: _cleared, ...rest } = this.input.step!;
    return this.stepResult({
      ...rest,
      status: this.becomes(),
      error: structuredError(event.eventData.error, event.eventData.stack),
      completedAt: appended.createdAt,
      updatedAt: appended.createdAt,
    });
  }

  private stepRetrying(event: EventOf<'step_retrying'>): Transition {
    const appended = this.append(event, event.eventData);
    const { retryAfter: _previous, ...rest } = this.input.step!;
    return this.stepResult({
      ...rest,
      status: this.becomes(),
      error: structuredError(event.eventData.error, event.eventData.stack),
      updatedAt: appended.createdAt,
      ...(event.eventData.retryAfter === undefined
        ? {}
        : { retryAfter: event.eventData.retryAfter }),
    });
  }

  private stepResult(step: Step): Transition {
    this.changes.step = step;
    return this.applied({ step });
  }

  // ── hook events ───────────────────────────────────────────────────────────────────────────

  private hookCreated(event: EventOf<'hook_created'>): Transition {
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
    this.append(event, event.eventData);
    return this.applied({});
  }

  private hookDisposed(event: EventOf<'hook_disposed'>): Transition {
    this.append(event, event.eventData);
    this.changes.deletedHook = this.input.hook!;
    return this.applied({});
  }

  // ── wait events ───────────────────────────────────────────────────────────────────────────

  private waitCreated(event: EventOf<'wait_created'>): Transition {
    const appended = this.append(event, event.eventData);
    const wait: Wait = {
      waitId: waitIdOf(this.input.runId, event.correlationId),
      runId: this.input.runId,
      status: this.becomes(),
      resumeAt: event.eventData.resumeAt,
      createdAt: appended.createdAt,
      updatedAt: appended.createdAt,
      specVersion: event.specVersion ?? SPEC_VERSION_CURRENT,
    };
    this.changes.wait = wait;
    return this.applied({ wait });
  }

  private waitCompleted(event: EventOf<'wait_completed'>): Transition {
    const appended = this.append(event, event.eventData);
    const completed: Wait = {
      ...this.input.wait!,
      status: this.becomes(),
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

  /** The status the rules table gives the event's entity. */
  private becomes<S extends string = StepStatus>(): S {
    return ruleOf(this.input.event.eventType).becomes as S;
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
    const bySlot = usesSlotEventIds(this.runSpecVersion());
    const eventId = bySlot
      ? nextSlotEventId(previousId)
      : nextEventId(previousId, this.input.now, this.input.random);
    const event = {
      runId: this.input.runId,
      eventId,
      eventType: request.eventType,
      // A slot id carries no time; a ULID's time is the event's.
      createdAt: new Date(bySlot ? this.input.now : idTime(eventId)!),
      specVersion: request.specVersion ?? SPEC_VERSION_CURRENT,
      ...(request.correlationId === undefined ? {} : { correlationId: request.correlationId }),
      ...(eventData === undefined ? {} : { eventData }),
    } as Event;
    this.events.push(event);
    return event;
  }

  /** The spec version of the run the event is about: the new run's, for the events creating it. */
  private runSpecVersion(): number {
    return this.state?.run.specVersion ?? this.input.event.specVersion ?? SPEC_VERSION_CURRENT;
  }

  private applied(result: EventResult): Transition {
    const last = this.events.at(-1)!;
    const state = this.state!;
    const next: RunState = { ...state, lastEventId: last.eventId };
    if (movesMarker(last, this.input.params.stateUpdatedAt)) {
      next.externalMarker = last.createdAt.getTime();
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

/** Only external events, written without a snapshot, move the `stateUpdatedAt` marker. */
function movesMarker(event: Event, stateUpdatedAt: number | undefined): boolean {
  return (
    stateUpdatedAt === undefined &&
    event.eventType !== 'hook_conflict' &&
    (ruleOf(event.eventType as RequestedEventType) as { external?: true }).external === true
  );
}

/** What 4.x readers see as the message of an error the 5.x runtime sent serialized. */
export const SERIALIZED_ERROR_MESSAGE = 'a serialized error (written by the 5.x runtime)';

/** Normalizes the error shapes runtimes send (a string, an Error-like object) to the stored form. */
export function structuredError(error: unknown, stack?: string, code?: string): StructuredError {
  if (error instanceof Uint8Array) {
    return {
      message: SERIALIZED_ERROR_MESSAGE,
      serialized: error,
      ...(code === undefined ? {} : { code }),
    };
  }
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
