/**
 * The wire format of `append_event()`: its parameters, named as in the SQL function, with their
 * types and how each is taken from an `AppendRequest`. The one place that knows their order; the
 * batcher builds both calls (one append, and the array form for a batch) from it.
 */
import type { AppendRequest, LazyStepData } from '@worldkit/world';
import { lazyStepOf } from './lazy-step.js';
import { encodeOptional, splitEventData } from './rows.js';

interface Encoding {
  request: AppendRequest;
  /** The stored event data without its payload field, and that field, CBOR-encoded. */
  data: Buffer | null;
  payload: Buffer | null;
  /** A lazy step start's creation data: the server writes it as the synthetic step_created. */
  lazyStep: LazyStepData | undefined;
}

const APPEND_PARAMETERS: readonly (readonly [string, string, (e: Encoding) => unknown])[] = [
  ['p_run_id', 'text', (e) => e.request.runId],
  ['p_event_type', 'text', (e) => e.request.event.eventType],
  ['p_correlation_id', 'text', (e) => e.request.correlationId ?? null],
  ['p_spec_version', 'integer', (e) => e.request.specVersion],
  ['p_data', 'bytea', (e) => e.data],
  ['p_payload', 'bytea', (e) => e.payload],
  ['p_error', 'bytea', (e) => encodeOptional(e.request.error)],
  ['p_token', 'text', (e) => e.request.token ?? null],
  ['p_is_webhook', 'boolean', (e) => e.request.isWebhook ?? null],
  ['p_step_name', 'text', (e) => e.request.stepName ?? e.lazyStep?.stepName ?? null],
  ['p_resume_at', 'bigint', (e) => e.request.resumeAt ?? null],
  ['p_retry_after', 'bigint', (e) => e.request.retryAfter ?? null],
  ['p_deployment_id', 'text', (e) => e.request.creation?.deploymentId ?? null],
  [
    'p_workflow_name',
    'text',
    (e) => e.request.creation?.workflowName ?? e.lazyStep?.workflowName ?? null,
  ],
  ['p_execution_context', 'bytea', (e) => encodeOptional(e.request.creation?.executionContext)],
  ['p_state_updated_at', 'double precision', (e) => e.request.stateUpdatedAt ?? null],
  ['p_last_known_event_id', 'text', (e) => e.request.lastKnownEventId ?? null],
  ['p_random', 'text', (e) => e.request.random],
  // Last, with a default in SQL: a call without it (from an app not yet upgraded) still resolves.
  ['p_attributes', 'bytea', (e) => encodeOptional(e.request.creation?.attributes)],
];

/** The values of one append_event() call, in parameter order. */
export function appendParameters(request: AppendRequest): unknown[] {
  const lazyStep = lazyStepOf(request.event);
  // A bootstrapping run_started carries the run_created data; it is stored on that event only.
  // A lazy start's input is split off as step_created's would be: the payload, which the server
  // stores on the step and its step_created, and whose presence tells it the start is lazy.
  const stored =
    request.event.eventType === 'run_started' && request.creation !== undefined
      ? splitEventData('run_created', request.creation)
      : splitEventData(lazyStep ? 'step_created' : request.event.eventType, request.storedData);
  const encoding: Encoding = { request, ...stored, lazyStep };
  return APPEND_PARAMETERS.map(([, , parameterOf]) => parameterOf(encoding));
}

/** The run id of an append, which orders a batch (see `AppendBatcher`). */
export const runIdOf = (parameters: unknown[]) => parameters[0] as string;

export const appendOneStatement = (schema: string) =>
  `SELECT * FROM ${schema}.append_event(${APPEND_PARAMETERS.map((_, i) => `$${i + 1}`).join(', ')})`;

export const appendManyStatement = (schema: string) =>
  `SELECT * FROM ${schema}.append_events(${APPEND_PARAMETERS.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')})`;

/**
 * The rows an append_events() call returned, per append in call order (its `batch_index`, from
 * 1): each append's preloaded log rows, then its outcome.
 */
export function rowsPerAppend<Row extends { batch_index: number | null }>(
  rows: readonly Row[],
  appends: number,
): Row[][] {
  const perAppend = Array.from({ length: appends }, (): Row[] => []);
  for (const row of rows) perAppend[row.batch_index! - 1]!.push(row);
  return perAppend;
}

/** A batch's parameters: one array per parameter, an element per append. */
export function batchParameters(appends: unknown[][]): unknown[][] {
  return APPEND_PARAMETERS.map((_, column) => appends.map((values) => values[column]));
}
