import {
  decodeBinary,
  EVENT_DATA_REF_FIELDS,
  type Event,
  type EventType,
  encodeBinary,
  HOOK_OWNER,
  type Hook,
  type Step,
  type StructuredError,
  type WorkflowRun,
} from '@worldkit/world';

/**
 * How entities and events cross the wire. Structured values travel as CBOR (`encodeBinary`):
 * byte payloads stay byte-exact and dates keep their milliseconds. Times travel as epoch ms.
 * An event's payload field (EVENT_DATA_REF_FIELDS) is stored apart from the rest of its
 * eventData, so 'none' reads skip it and entities reuse the same bytes.
 */

export type Bytes = Uint8Array | null;

export function encodeOptional(value: unknown): Buffer | null {
  return value === undefined ? null : (encodeBinary(value) as Buffer);
}

export function decodeOptional<T = unknown>(bytes: Bytes): T | undefined {
  return bytes === null ? undefined : decodeBinary<T>(bytes);
}

export function dateOf(ms: number | null): Date | undefined {
  return ms === null ? undefined : new Date(ms);
}

export function payloadFieldOf(eventType: string): string | undefined {
  return EVENT_DATA_REF_FIELDS[eventType as EventType]?.[0];
}

/** Splits eventData into the CBOR of its payload field and the CBOR of everything else. */
export function splitEventData(
  eventType: string,
  eventData: unknown,
): { data: Buffer | null; payload: Buffer | null } {
  if (eventData === undefined || eventData === null) {
    return { data: encodeOptional(eventData ?? undefined), payload: null };
  }
  const field = payloadFieldOf(eventType);
  if (field === undefined || !Object.hasOwn(eventData as object, field)) {
    return { data: encodeBinary(eventData) as Buffer, payload: null };
  }
  const { [field]: payload, ...rest } = eventData as Record<string, unknown>;
  return { data: encodeBinary(rest) as Buffer, payload: encodeBinary(payload) as Buffer };
}

/** Inverse of `splitEventData`; `payload` is NULL when it was stripped by a 'none' read. */
export function joinEventData(eventType: string, data: Bytes, payload: Bytes): unknown {
  if (data === null) return undefined;
  const eventData = decodeBinary<Record<string, unknown>>(data);
  if (payload !== null) {
    const field = payloadFieldOf(eventType);
    if (field !== undefined) eventData[field] = decodeBinary(payload);
  }
  return eventData;
}

export interface EventRow {
  run_id: string;
  event_id: string;
  event_type: string;
  correlation_id: string | null;
  spec_version: number;
  /** Epoch ms. Read, never decoded from the id: a slot id (spec 6 and later) carries no time. */
  created_at: number;
  data: Bytes;
  payload: Bytes;
}

/** An event's columns but its payload, which reads fetch only when they resolve data. */
export const eventColumns = (schema: string) =>
  `run_id, event_id, event_type, correlation_id, spec_version, ${schema}.epoch_ms(created_at) AS created_at, data`;

export function eventFromRow(row: EventRow): Event {
  const eventData = joinEventData(row.event_type, row.data, row.payload);
  return {
    runId: row.run_id,
    eventId: row.event_id,
    eventType: row.event_type,
    createdAt: new Date(row.created_at),
    specVersion: row.spec_version,
    ...(row.correlation_id === null ? {} : { correlationId: row.correlation_id }),
    ...(eventData === undefined ? {} : { eventData }),
  } as Event;
}

export interface RunRow {
  run_id: string;
  status: string;
  deployment_id: string;
  workflow_name: string;
  spec_version: number;
  execution_context: Bytes;
  /** CBOR of the attributes the run was created with; NULL when it had none. */
  attributes: Bytes;
  input: Bytes;
  output: Bytes;
  error: Bytes;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  completed_at: number | null;
}

export const runColumns = (
  schema: string,
) => `run_id, status, deployment_id, workflow_name, spec_version,
  execution_context, attributes, input, output, error, ${schema}.epoch_ms(created_at) AS created_at,
  ${schema}.epoch_ms(updated_at) AS updated_at, ${schema}.epoch_ms(started_at) AS started_at,
  ${schema}.epoch_ms(completed_at) AS completed_at`;

export function runFromRow(row: RunRow): WorkflowRun {
  const executionContext = decodeOptional<Record<string, unknown>>(row.execution_context);
  const attributes = decodeOptional<Record<string, string>>(row.attributes);
  return {
    runId: row.run_id,
    status: row.status,
    deploymentId: row.deployment_id,
    workflowName: row.workflow_name,
    specVersion: row.spec_version,
    input: decodeOptional(row.input),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    ...(executionContext === undefined ? {} : { executionContext }),
    ...(attributes === undefined ? {} : { attributes }),
    ...(row.started_at === null ? {} : { startedAt: new Date(row.started_at) }),
    ...(row.output === null ? {} : { output: decodeBinary(row.output) }),
    ...(row.error === null ? {} : { error: decodeBinary<StructuredError>(row.error) }),
    ...(row.completed_at === null ? {} : { completedAt: new Date(row.completed_at) }),
  } as WorkflowRun;
}

export interface StepRow {
  run_id: string;
  step_id: string;
  step_name: string;
  status: string;
  input: Bytes;
  output: Bytes;
  error: Bytes;
  attempt: number;
  started_at: number | null;
  completed_at: number | null;
  created_at: number;
  updated_at: number;
  retry_after: number | null;
  spec_version: number;
}

export const stepColumns = (
  schema: string,
) => `run_id, step_id, step_name, status, input, output, error, attempt,
  ${schema}.epoch_ms(started_at) AS started_at, ${schema}.epoch_ms(completed_at) AS completed_at,
  ${schema}.epoch_ms(created_at) AS created_at, ${schema}.epoch_ms(updated_at) AS updated_at,
  ${schema}.epoch_ms(retry_after) AS retry_after, spec_version, created_event_id`;

export function stepFromRow(row: StepRow): Step {
  return {
    runId: row.run_id,
    stepId: row.step_id,
    stepName: row.step_name,
    status: row.status as Step['status'],
    input: decodeOptional(row.input),
    attempt: row.attempt,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    specVersion: row.spec_version,
    ...(row.output === null ? {} : { output: decodeBinary(row.output) }),
    ...(row.error === null ? {} : { error: decodeBinary<StructuredError>(row.error) }),
    ...(row.started_at === null ? {} : { startedAt: new Date(row.started_at) }),
    ...(row.completed_at === null ? {} : { completedAt: new Date(row.completed_at) }),
    ...(row.retry_after === null ? {} : { retryAfter: new Date(row.retry_after) }),
  };
}

export interface HookRow {
  run_id: string;
  hook_id: string;
  token: string;
  metadata: Bytes;
  is_webhook: boolean;
  spec_version: number;
  created_at: number;
}

export const hookColumns = (
  schema: string,
) => `run_id, hook_id, token, metadata, is_webhook, spec_version,
  ${schema}.epoch_ms(created_at) AS created_at, created_event_id`;

export function hookFromRow(row: HookRow): Hook {
  const metadata = decodeOptional(row.metadata);
  return {
    runId: row.run_id,
    hookId: row.hook_id,
    token: row.token,
    ...HOOK_OWNER,
    createdAt: new Date(row.created_at),
    specVersion: row.spec_version,
    isWebhook: row.is_webhook,
    ...(row.metadata === null ? {} : { metadata }),
  };
}
