import {
  type AnyEventRequest,
  type AppendRequest,
  appendRequestOf,
  EntityConflictError,
  type Event,
  type EventResult,
  HOOK_OWNER,
  type Hook,
  type RejectionCode,
  refusalContextOf,
  refusalError,
  resultForRead,
  type Step,
  type ValidatedCreate,
  validateCreateEvent,
  type Wait,
  type WorkflowRun,
  type WorkflowWorldError,
  waitIdOf,
} from '@worldkit/world';
import type { Database } from '../database.js';
import {
  appendManyStatement,
  appendParameters,
  batchParameters,
  rowsPerAppend,
} from './append-wire.js';
import type { AppendBatcher } from './batcher.js';
import { lazyStepOf } from './lazy-step.js';
import { type Bytes, eventFromRow, runFromRow, stepFromRow } from './rows.js';

/** One row of append_event(): a row of the preloaded log, or the outcome (always last). */
export interface AppendRow {
  batch_index: number | null;
  row_kind: 'event' | 'result';
  code: string | null;
  message: string | null;
  detail: string | null;
  outcome: 'applied' | 'unchanged' | null;
  ev_id: string | null;
  ev_type: string | null;
  ev_correlation_id: string | null;
  ev_spec_version: number | null;
  /** Epoch ms: the server's, since a slot id (spec 6 and later) carries no time. */
  ev_created_at: number | null;
  ev_data: Bytes;
  ev_payload: Bytes;
  conflicting_run_id: string | null;
  rn_status: string | null;
  rn_deployment_id: string | null;
  rn_workflow_name: string | null;
  rn_spec_version: number | null;
  rn_execution_context: Bytes;
  rn_attributes: Bytes;
  rn_input: Bytes;
  rn_output: Bytes;
  rn_error: Bytes;
  rn_created_at: number | null;
  rn_updated_at: number | null;
  rn_started_at: number | null;
  rn_completed_at: number | null;
  st_name: string | null;
  st_status: string | null;
  st_input: Bytes;
  st_output: Bytes;
  st_error: Bytes;
  st_attempt: number | null;
  st_started_at: number | null;
  st_completed_at: number | null;
  st_created_at: number | null;
  st_updated_at: number | null;
  st_retry_after: number | null;
  st_spec_version: number | null;
  wt_resume_at: number | null;
  wt_created_at: number | null;
  wt_spec_version: number | null;
}

type EventOf<T extends AnyEventRequest['eventType']> = Extract<AnyEventRequest, { eventType: T }>;

/**
 * events.create: validates, then sends the whole transition to append_event() in one round trip
 * (one statement, so one transaction), and turns the returned row back into the EventResult or
 * the typed error the reference state machine would give.
 */
export async function createEvent(
  appends: AppendBatcher<AppendRow>,
  runId: unknown,
  data: unknown,
  params: unknown,
): Promise<EventResult> {
  const validated = validateCreateEvent(runId, data, params);
  const request = appendRequestOf(validated);
  let rows: AppendRow[];
  try {
    rows = await appends.submit(appendParameters(request));
  } catch (error) {
    throw asConflict(error, validated);
  }
  const outcome = outcomeOf(validated, request, rows);
  if (outcome instanceof Error) throw outcome;
  return resultForRead(outcome, validated.params.resolveData);
}

/**
 * events.createBatch's appends, to one run: one append_events() call, so they commit in one
 * transaction, in order, each decided by append_event() on its own. The run's row lock, taken by
 * the first and held to the commit, keeps any other writer's events from landing between them.
 * Results are unshaped (`createBatchWith` applies resolveData).
 */
export async function createEvents(
  db: Database,
  creates: readonly ValidatedCreate[],
): Promise<Array<EventResult | WorkflowWorldError>> {
  const requests = creates.map(appendRequestOf);
  let rows: AppendRow[];
  try {
    ({ rows } = await db.query<AppendRow>(
      appendManyStatement(db.schema),
      batchParameters(requests.map(appendParameters)),
    ));
  } catch (error) {
    throw asConflict(error, creates[0]!);
  }
  const perAppend = rowsPerAppend(rows, creates.length);
  return creates.map((create, index) => outcomeOf(create, requests[index]!, perAppend[index]!));
}

/**
 * The constraints behind the rules (unique creation events, one token holder) hold even if a rule
 * were bypassed: a violation is a conflict, and nothing was written.
 */
function asConflict(error: unknown, { runId, event }: ValidatedCreate): unknown {
  if ((error as { code?: unknown }).code !== '23505') return error;
  return new EntityConflictError(
    `${event.eventType} conflicts with an existing entity in run ${runId}`,
    {
      cause: error,
    },
  );
}

/** An append's rows (the preloaded log, then its outcome) as its result or typed refusal. */
function outcomeOf(
  validated: ValidatedCreate,
  request: AppendRequest,
  rows: AppendRow[],
): EventResult | WorkflowWorldError {
  const outcome = rows.at(-1)!;
  if (outcome.code !== null) {
    return refusalError(
      { code: outcome.code as RejectionCode, message: outcome.message, detail: outcome.detail },
      refusalContextOf(request),
    );
  }
  const { event } = validated;
  const result = resultOf(validated.runId, event, request.specVersion, outcome);
  if (event.eventType === 'run_started') {
    const log = rows.slice(0, -1).map((row) =>
      eventFromRow({
        run_id: validated.runId,
        event_id: row.ev_id!,
        event_type: row.ev_type!,
        correlation_id: row.ev_correlation_id,
        spec_version: row.ev_spec_version!,
        created_at: row.ev_created_at!,
        data: row.ev_data,
        payload: row.ev_payload,
      }),
    );
    result.events = log;
    result.cursor = log.at(-1)?.eventId ?? null;
    result.hasMore = false;
  }
  return result;
}

/** Rebuilds the EventResult: what the caller sent plus what only the database knows. */
function resultOf(
  runId: string,
  request: AnyEventRequest,
  specVersion: number,
  row: AppendRow,
): EventResult {
  const result: EventResult = {};
  if (row.outcome === 'applied') result.event = appendedEvent(runId, request, specVersion, row);
  if (row.rn_status !== null) result.run = runOf(runId, row);
  const at = result.event === undefined ? undefined : result.event.createdAt;
  switch (request.eventType) {
    case 'step_created':
      result.step = {
        runId,
        stepId: request.correlationId,
        stepName: request.eventData.stepName,
        status: 'pending',
        input: request.eventData.input,
        attempt: 0,
        createdAt: at!,
        updatedAt: at!,
        specVersion,
      } satisfies Step;
      break;
    case 'step_started':
      // Applied, a lazy start created the step: its caller owns the step's execution.
      if (lazyStepOf(request) !== undefined) result.stepCreated = true;
      result.step = stepOf(runId, request.correlationId, row);
      break;
    case 'step_completed':
    case 'step_failed':
    case 'step_retrying':
      result.step = stepOf(runId, request.correlationId, row);
      break;
    case 'hook_created':
      if (row.conflicting_run_id === null) result.hook = hookOf(runId, request, specVersion, at!);
      break;
    case 'wait_created':
      result.wait = {
        waitId: waitIdOf(runId, request.correlationId),
        runId,
        status: 'waiting',
        resumeAt: request.eventData.resumeAt,
        createdAt: at!,
        updatedAt: at!,
        specVersion,
      } satisfies Wait;
      break;
    case 'wait_completed': {
      const resumeAt = row.wt_resume_at === null ? undefined : new Date(row.wt_resume_at);
      result.wait = {
        waitId: waitIdOf(runId, request.correlationId),
        runId,
        status: 'completed',
        ...(resumeAt === undefined ? {} : { resumeAt }),
        createdAt: new Date(row.wt_created_at!),
        updatedAt: at!,
        completedAt: at!,
        specVersion: row.wt_spec_version!,
      } satisfies Wait;
      break;
    }
  }
  return result;
}

function appendedEvent(
  runId: string,
  request: AnyEventRequest,
  specVersion: number,
  row: AppendRow,
): Event {
  const eventId = row.ev_id!;
  const correlationId = (request as { correlationId?: string }).correlationId;
  let eventData: unknown;
  if (row.ev_type === 'hook_conflict') {
    eventData = {
      token: (request as EventOf<'hook_created'>).eventData.token,
      conflictingRunId: row.conflicting_run_id,
    };
  } else if (lazyStepOf(request) !== undefined) {
    // A lazy start's input is stored once, on its synthetic step_created.
    const { input: _onStepCreated, ...startData } = (request as EventOf<'step_started'>).eventData!;
    eventData = startData;
  } else if (request.eventType !== 'run_started') {
    eventData = (request as { eventData?: unknown }).eventData;
  }
  return {
    runId,
    eventId,
    eventType: row.ev_type,
    createdAt: new Date(row.ev_created_at!),
    specVersion,
    ...(correlationId === undefined ? {} : { correlationId }),
    ...(eventData === undefined ? {} : { eventData }),
  } as Event;
}

function stepOf(runId: string, stepId: string, row: AppendRow): Step {
  return stepFromRow({
    run_id: runId,
    step_id: stepId,
    step_name: row.st_name!,
    status: row.st_status!,
    input: row.st_input,
    output: row.st_output,
    error: row.st_error,
    attempt: row.st_attempt!,
    started_at: row.st_started_at,
    completed_at: row.st_completed_at,
    created_at: row.st_created_at!,
    updated_at: row.st_updated_at!,
    retry_after: row.st_retry_after,
    spec_version: row.st_spec_version!,
  });
}

function runOf(runId: string, row: AppendRow): WorkflowRun {
  return runFromRow({
    run_id: runId,
    status: row.rn_status!,
    deployment_id: row.rn_deployment_id!,
    workflow_name: row.rn_workflow_name!,
    spec_version: row.rn_spec_version!,
    execution_context: row.rn_execution_context,
    attributes: row.rn_attributes,
    input: row.rn_input,
    output: row.rn_output,
    error: row.rn_error,
    created_at: row.rn_created_at!,
    updated_at: row.rn_updated_at!,
    started_at: row.rn_started_at,
    completed_at: row.rn_completed_at,
  });
}

function hookOf(
  runId: string,
  request: EventOf<'hook_created'>,
  specVersion: number,
  createdAt: Date,
): Hook {
  const { token, metadata, isWebhook } = request.eventData;
  return {
    runId,
    hookId: request.correlationId,
    token,
    ...HOOK_OWNER,
    createdAt,
    specVersion,
    isWebhook: isWebhook ?? false,
    ...(metadata === undefined ? {} : { metadata }),
  };
}
