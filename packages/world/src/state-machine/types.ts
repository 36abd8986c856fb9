import type { WorkflowWorldError } from '../errors.js';
import type { RandomSource } from '../ids.js';
import type { AnyEventRequest, CreateEventParams, Event, EventResult } from '../schemas/events.js';
import type { Hook } from '../schemas/hooks.js';
import type { WorkflowRun } from '../schemas/runs.js';
import type { Step } from '../schemas/steps.js';
import type { Wait } from '../schemas/waits.js';

/** What a World keeps per run besides its log. */
export interface RunState {
  run: WorkflowRun;
  /** Id of the run's newest event: what `lastKnownEventId` is compared with. */
  lastEventId: string;
  /**
   * The `stateUpdatedAt` marker: the ULID time of the run's newest externally originated event
   * (`hook_received` or `step_completed` created without `stateUpdatedAt`).
   */
  externalMarker?: number;
}

/** Everything a transition may look at; the World loads it inside the run's critical section. */
export interface TransitionInput {
  runId: string;
  event: AnyEventRequest;
  params: CreateEventParams;
  /** Wall-clock epoch ms; injected so transitions are deterministic. */
  now: number;
  run: RunState | undefined;
  /** For `step_*`: the step `(runId, correlationId)`, if it exists. */
  step?: Step | undefined;
  /** For `hook_*`: the active hook `(runId, correlationId)`, if it exists. */
  hook?: Hook | undefined;
  /** For `hook_created`: whether the run ever recorded a `hook_created` with this correlation id. */
  hookEverCreated?: boolean;
  /** For `hook_created`: the active hook holding the requested token, in any run. */
  tokenHolder?: { runId: string; hookId: string } | undefined;
  /** For `wait_*`: the wait `${runId}-${correlationId}`, if it exists. */
  wait?: Wait | undefined;
  /** Random source for new ids (tests inject a seeded one). */
  random?: RandomSource;
  /** The per-run event ceiling to report with the run, if the World sets one. */
  maxEvents?: number;
}

/** The entity writes that must commit together with the appended events. */
export interface EntityChanges {
  /** The run was created or changed; its new value is `Applied.run.run`. */
  run: boolean;
  /** Insert or replace this step. */
  step?: Step;
  /** Insert this hook and claim its token. */
  createdHook?: Hook;
  /** Delete this hook and release its token. */
  deletedHook?: Hook;
  /** Insert or replace this wait. */
  wait?: Wait;
  /** The run became terminal: delete all its hooks (releasing their tokens) and all its waits. */
  releaseRunResources: boolean;
}

export interface Applied {
  kind: 'applied';
  /** Events to append, in order (two for a bootstrapping `run_started`). */
  events: Event[];
  /** The run's state after the append; `lastEventId` is the last appended event's id. */
  run: RunState;
  changes: EntityChanges;
  /** What `events.create` returns, with data resolved. */
  result: EventResult;
}

/** Valid and idempotent: nothing is appended, and `result` is returned as is. */
export interface Unchanged {
  kind: 'unchanged';
  result: EventResult;
}

export interface Rejected {
  kind: 'rejected';
  error: WorkflowWorldError;
}

export type Transition = Applied | Unchanged | Rejected;
