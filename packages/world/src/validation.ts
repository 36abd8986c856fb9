import type { z } from 'zod';
import { assertStorableFields } from './codec/storable.js';
import { InvalidInputError, RunNotSupportedError } from './errors.js';
import { newId } from './ids.js';
import {
  type AnyEventRequest,
  type CreateEventParams,
  CreateEventSchema,
} from './schemas/events.js';
import { RUN_SPEC_VERSION_MAX } from './spec-versions.js';
import { SPEC_VERSION_CURRENT } from './world.js';

/**
 * Ids that reach storage keys (run ids, correlation ids): letters, digits, `_` and `-`, so they
 * are safe as file names, Redis key parts and log text without escaping. Everything the runtime
 * generates (`wrun_…`, `step_…`, `hook_…`, `wait_…`, `evnt_…`) fits.
 */
const SAFE_ID = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * Tokens are chosen by users (`createHook({ token })`), so any text is allowed, within reason:
 * not NUL, which PostgreSQL text cannot hold, so that a token valid on one World is valid on all.
 */
const MAX_TOKEN_LENGTH = 2048;

/**
 * Names the runtime stores as text (PostgreSQL `text` cannot hold NUL): refused on every World,
 * so that an event valid on one World is valid on all.
 */
const TEXT_FIELDS = ['workflowName', 'deploymentId', 'stepName'] as const;

const NUL_PROBLEM = 'the NUL character (U+0000) is not allowed';

/** Throws `InvalidInputError` naming `field` when `value` is a string holding NUL. */
export function assertNoNul(value: unknown, field: string): void {
  if (typeof value === 'string' && value.includes('\u0000')) {
    throw new InvalidInputError(field, NUL_PROBLEM);
  }
}

/** Stream names are used as keys and never as paths; they must still be bounded and printable. */
const MAX_STREAM_NAME_LENGTH = 1024;

/** The oldest spec version a new run may have: legacy (version 1) runs are not event-sourced. */
const MIN_RUN_SPEC_VERSION = 2;

export interface ValidatedCreate {
  runId: string;
  event: AnyEventRequest;
  params: CreateEventParams;
}

export function isSafeId(value: unknown): value is string {
  return typeof value === 'string' && SAFE_ID.test(value);
}

/** Why `value` cannot be a hook token, or undefined when it can. */
function hookTokenProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_TOKEN_LENGTH) {
    return `expected 1-${MAX_TOKEN_LENGTH} characters`;
  }
  if (value.includes('\u0000')) return NUL_PROBLEM;
  return undefined;
}

/** True when `value` may be a hook token: no hook can hold any other, so lookups may stop here. */
export function isHookToken(value: unknown): value is string {
  return hookTokenProblem(value) === undefined;
}

/** Throws `InvalidInputError` naming `field` unless `value` is a safe id. */
export function assertSafeId(value: unknown, field: string): asserts value is string {
  if (!isSafeId(value)) {
    throw new InvalidInputError(
      field,
      `expected 1-128 letters, digits, "_" or "-", got ${describe(value)}`,
    );
  }
}

export function assertStreamName(value: unknown, field = 'name'): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_STREAM_NAME_LENGTH) {
    throw new InvalidInputError(
      field,
      `expected a non-empty string of at most ${MAX_STREAM_NAME_LENGTH} characters`,
    );
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw new InvalidInputError(field, 'control characters are not allowed');
  }
}

/**
 * Validates and normalizes the arguments of `events.create` (dates coerced, unknown keys
 * dropped). Throws `InvalidInputError` naming the first offending field, or
 * `RunNotSupportedError` for a run of a newer spec version. A `run_created` without a run id
 * gets a new one.
 */
export function validateCreateEvent(
  runId: unknown,
  data: unknown,
  params: unknown,
): ValidatedCreate {
  const parsed = CreateEventSchema.safeParse(data);
  if (!parsed.success) throw invalidFromZod(parsed.error, data);
  const event = parsed.data;

  let resolvedRunId: string;
  if (
    event.eventType === 'run_created' &&
    (runId === null || runId === undefined || runId === '')
  ) {
    resolvedRunId = newId('run');
  } else {
    assertSafeId(runId, 'runId');
    resolvedRunId = runId;
  }

  if ('correlationId' in event && event.correlationId !== undefined) {
    assertSafeId(event.correlationId, 'correlationId');
  }
  if (event.specVersion !== undefined && !Number.isInteger(event.specVersion)) {
    throw new InvalidInputError('specVersion', 'expected an integer');
  }
  if (event.eventType === 'run_created') {
    const specVersion = event.specVersion ?? SPEC_VERSION_CURRENT;
    if (specVersion > RUN_SPEC_VERSION_MAX)
      throw new RunNotSupportedError(specVersion, RUN_SPEC_VERSION_MAX);
    if (specVersion < MIN_RUN_SPEC_VERSION) {
      throw new InvalidInputError(
        'specVersion',
        `runs of spec version ${specVersion} are not supported`,
      );
    }
  }
  if (event.eventType === 'hook_created') {
    const problem = hookTokenProblem(event.eventData.token);
    if (problem !== undefined) throw new InvalidInputError('eventData.token', problem);
  }
  if ('eventData' in event && event.eventData !== undefined) {
    for (const field of TEXT_FIELDS) {
      assertNoNul((event.eventData as Record<string, unknown>)[field], `eventData.${field}`);
    }
  }
  const validatedParams = validateParams(params);
  // Last, as the only check whose cost grows with the payload.
  if ('eventData' in event && event.eventData !== undefined) {
    assertStorableFields(event.eventData, 'eventData');
  }
  return { runId: resolvedRunId, event, params: validatedParams };
}

function validateParams(params: unknown): CreateEventParams {
  if (params === undefined || params === null) return {};
  if (typeof params !== 'object') throw new InvalidInputError('params', 'expected an object');
  const { stateUpdatedAt, lastKnownEventId, resolveData, requestId, v1Compat, occurredAt } =
    params as Record<string, unknown>;
  const out: CreateEventParams = {};
  if (stateUpdatedAt !== undefined) {
    if (typeof stateUpdatedAt !== 'number' || !Number.isFinite(stateUpdatedAt)) {
      throw new InvalidInputError('params.stateUpdatedAt', 'expected epoch milliseconds');
    }
    out.stateUpdatedAt = stateUpdatedAt;
  }
  if (lastKnownEventId !== undefined) {
    assertSafeId(lastKnownEventId, 'params.lastKnownEventId');
    out.lastKnownEventId = lastKnownEventId;
  }
  if (resolveData !== undefined) {
    if (resolveData !== 'all' && resolveData !== 'none') {
      throw new InvalidInputError(
        'params.resolveData',
        `expected "all" or "none", got ${describe(resolveData)}`,
      );
    }
    out.resolveData = resolveData;
  }
  if (typeof requestId === 'string') out.requestId = requestId;
  if (typeof v1Compat === 'boolean') out.v1Compat = v1Compat;
  if (occurredAt instanceof Date) out.occurredAt = occurredAt;
  return out;
}

function invalidFromZod(error: z.ZodError, data: unknown): InvalidInputError {
  const eventType = (data as { eventType?: unknown } | null)?.eventType;
  if (eventType === 'hook_conflict') {
    return new InvalidInputError('eventType', 'hook_conflict events are written by the World only');
  }
  const issue = error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.join('.') : 'event';
  return new InvalidInputError(field, issue?.message ?? 'malformed event');
}

function describe(value: unknown): string {
  if (typeof value === 'string')
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return value === null ? 'null' : typeof value;
}
