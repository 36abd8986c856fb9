import {
  decodeBinary,
  type Event,
  encodeBinary,
  HOOK_OWNER,
  type Hook,
  idTime,
  type Step,
  type Wait,
  type WorkflowRun,
  waitIdOf,
} from '@worldkit/world';

/**
 * How entities and events are stored. Scalars the scripts read or write (status, counters,
 * epoch-ms times, names) are plain hash fields; payloads and structured values (inputs, outputs,
 * errors, metadata, execution contexts, run attributes) are CBOR blobs, byte-exact and never
 * parsed by Lua.
 * An event is one CBOR record `{t: type, c?: correlationId, s: specVersion, d?: eventData,
 * a?: createdAt}` stored under its id. Its time is the id's (a ULID), except on a run numbering
 * its events by slot: a slot id carries no time, so `createEvent.lua` adds `a`, epoch ms.
 */

export type Fields = Map<string, Buffer>;

/** A flat `[field, value, …]` reply as a map. */
export function fieldsOf(flat: Buffer[], from = 0): Fields {
  const fields: Fields = new Map();
  for (let i = from; i + 1 < flat.length; i += 2) fields.set(flat[i]!.toString(), flat[i + 1]!);
  return fields;
}

export function fieldsOfRecord(record: Record<string, Buffer>): Fields {
  return new Map(Object.entries(record));
}

export interface StoredRecord {
  t: string;
  c?: string;
  s: number;
  d?: unknown;
  /** The event's time in epoch ms, on slot ids only (written by the script, decoded as bigint). */
  a?: number | bigint;
}

export function encodeRecord(
  eventType: string,
  correlationId: string | undefined,
  specVersion: number,
  eventData: unknown,
): Uint8Array {
  const record: StoredRecord = { t: eventType, s: specVersion };
  if (correlationId !== undefined) record.c = correlationId;
  if (eventData !== undefined) record.d = eventData;
  return encodeBinary(record);
}

export function eventFromRecord(runId: string, eventId: string, bytes: Uint8Array): Event {
  const record = decodeBinary<StoredRecord>(bytes);
  const createdAt = record.a === undefined ? idTime(eventId)! : Number(record.a);
  return assembleEvent(runId, eventId, createdAt, record.t, record.c, record.s, record.d);
}

export function assembleEvent(
  runId: string,
  eventId: string,
  createdAt: number,
  eventType: string,
  correlationId: string | undefined,
  specVersion: number,
  eventData: unknown,
): Event {
  const event: Record<string, unknown> = {
    runId,
    eventId,
    eventType,
    createdAt: new Date(createdAt),
    specVersion,
  };
  if (correlationId !== undefined) event.correlationId = correlationId;
  if (eventData !== undefined) event.eventData = eventData;
  return event as Event;
}

function text(fields: Fields, name: string): string | undefined {
  return fields.get(name)?.toString();
}

function date(fields: Fields, name: string): Date | undefined {
  const value = fields.get(name);
  return value === undefined ? undefined : new Date(Number(value.toString()));
}

function blob(fields: Fields, name: string): unknown {
  const value = fields.get(name);
  return value === undefined ? undefined : decodeBinary(value);
}

function assign(target: Record<string, unknown>, name: string, value: unknown): void {
  if (value !== undefined) target[name] = value;
}

/** The fields runs and steps share once started: start and end times, output and error. */
function assignProgress(target: Record<string, unknown>, fields: Fields): void {
  assign(target, 'startedAt', date(fields, 'started'));
  assign(target, 'completedAt', date(fields, 'completed'));
  // A stored output is returned even when it decodes to undefined.
  if (fields.has('output')) target.output = blob(fields, 'output');
  assign(target, 'error', blob(fields, 'error'));
}

export function runFromFields(runId: string, fields: Fields): WorkflowRun {
  const run: Record<string, unknown> = {
    runId,
    status: text(fields, 'status'),
    deploymentId: text(fields, 'dep'),
    workflowName: text(fields, 'wf'),
    specVersion: Number(text(fields, 'spec')),
    input: blob(fields, 'input'),
    createdAt: date(fields, 'created'),
    updatedAt: date(fields, 'updated'),
  };
  assign(run, 'executionContext', blob(fields, 'ctx'));
  assign(run, 'attributes', blob(fields, 'attrs'));
  assignProgress(run, fields);
  return run as WorkflowRun;
}

export function stepFromFields(runId: string, stepId: string, fields: Fields): Step {
  const step: Record<string, unknown> = {
    runId,
    stepId,
    stepName: text(fields, 'name'),
    status: text(fields, 'status'),
    input: blob(fields, 'input'),
    attempt: Number(text(fields, 'attempt')),
    createdAt: date(fields, 'created'),
    updatedAt: date(fields, 'updated'),
    specVersion: Number(text(fields, 'spec')),
  };
  assignProgress(step, fields);
  assign(step, 'retryAfter', date(fields, 'retry'));
  return step as Step;
}

export function hookFromFields(runId: string, hookId: string, fields: Fields): Hook {
  const hook: Record<string, unknown> = {
    runId,
    hookId,
    token: text(fields, 'token'),
    ...HOOK_OWNER,
    createdAt: date(fields, 'created'),
    specVersion: Number(text(fields, 'spec')),
    isWebhook: text(fields, 'webhook') === '1',
  };
  assign(hook, 'metadata', blob(fields, 'meta'));
  return hook as Hook;
}

export function waitFromFields(runId: string, correlationId: string, fields: Fields): Wait {
  const wait: Record<string, unknown> = {
    waitId: waitIdOf(runId, correlationId),
    runId,
    status: text(fields, 'status'),
    resumeAt: date(fields, 'resume'),
    createdAt: date(fields, 'created'),
    updatedAt: date(fields, 'updated'),
    specVersion: Number(text(fields, 'spec')),
  };
  assign(wait, 'completedAt', date(fields, 'completed'));
  return wait as Wait;
}
