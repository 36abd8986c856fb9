import { z } from 'zod';
import type { Hook } from './hooks.js';
import { RunAttributesSchema, type WorkflowRun } from './runs.js';
import { type PaginationOptions, type ResolveData, SerializedDataSchema } from './shared.js';
import type { Step } from './steps.js';
import type { Wait } from './waits.js';

export const EVENT_TYPES = [
  'run_created',
  'run_started',
  'run_completed',
  'run_failed',
  'run_cancelled',
  'step_created',
  'step_started',
  'step_completed',
  'step_failed',
  'step_retrying',
  'hook_created',
  'hook_received',
  'hook_disposed',
  'hook_conflict',
  'wait_created',
  'wait_completed',
] as const;
export const EventTypeSchema = z.enum(EVENT_TYPES);
export type EventType = z.infer<typeof EventTypeSchema>;

export const TERMINAL_RUN_EVENT_TYPES = ['run_completed', 'run_failed', 'run_cancelled'] as const;
export type TerminalRunEventType = (typeof TERMINAL_RUN_EVENT_TYPES)[number];

export function isTerminalRunEventType(type: string): type is TerminalRunEventType {
  return (TERMINAL_RUN_EVENT_TYPES as readonly string[]).includes(type);
}

/** Creation events: at most one per `(runId, correlationId, eventType)`, ever. */
export const CREATION_EVENT_TYPES = ['step_created', 'hook_created', 'wait_created'] as const;

const base = {
  specVersion: z.number().optional(),
};
/** A step, hook or wait event: `correlationId` names the entity. */
const correlated = { ...base, correlationId: z.string() };
const uncorrelated = { ...base, correlationId: z.string().optional() };

function eventSchema<F extends z.ZodRawShape, T extends string, D extends z.ZodType>(
  fields: F,
  eventType: T,
  eventData: D,
) {
  return z.object({ ...fields, eventType: z.literal(eventType), eventData });
}

const RunCreatedSchema = eventSchema(
  uncorrelated,
  'run_created',
  z.object({
    deploymentId: z.string(),
    workflowName: z.string(),
    input: SerializedDataSchema,
    executionContext: z.record(z.string(), z.any()).optional(),
    attributes: RunAttributesSchema.optional(),
  }),
);

/** Data present on a resilient start: enough to create the run if `run_created` never landed. */
const RunStartedSchema = eventSchema(
  uncorrelated,
  'run_started',
  z
    .object({
      input: SerializedDataSchema.optional(),
      deploymentId: z.string().optional(),
      workflowName: z.string().optional(),
      executionContext: z.record(z.string(), z.any()).optional(),
    })
    .optional(),
);

const RunCompletedSchema = eventSchema(
  uncorrelated,
  'run_completed',
  z.object({ output: SerializedDataSchema.optional() }),
);

const RunFailedSchema = eventSchema(
  uncorrelated,
  'run_failed',
  z.object({ error: z.any(), errorCode: z.string().optional() }),
);

/** The longest `cancelReason` the 5.x contract allows on a cancellation. */
export const MAX_CANCEL_REASON_LENGTH = 512;

const RunCancelledSchema = z.object({
  ...uncorrelated,
  eventType: z.literal('run_cancelled'),
  // Why the run was cancelled (`run.cancel({ cancelReason })` on the 5.x line), kept on the event.
  eventData: z
    .object({ cancelReason: z.string().max(MAX_CANCEL_REASON_LENGTH).optional() })
    .optional(),
});

const StepCreatedSchema = eventSchema(
  correlated,
  'step_created',
  z.object({
    stepName: z.string(),
    workflowName: z.string().optional(),
    input: SerializedDataSchema,
  }),
);

/**
 * A lazy start (5.x) carries the step's creation data, `input` above all: it creates the missing
 * step born running, or is refused when the step exists (see `lazyStepDataOf`).
 */
const StepStartedSchema = eventSchema(
  correlated,
  'step_started',
  z
    .object({
      stepName: z.string().optional(),
      attempt: z.number().optional(),
      workflowName: z.string().optional(),
      input: SerializedDataSchema.optional(),
    })
    .optional(),
);

const StepCompletedSchema = eventSchema(
  correlated,
  'step_completed',
  z.object({
    stepName: z.string().optional(),
    workflowName: z.string().optional(),
    result: SerializedDataSchema,
  }),
);

const stepError = { stepName: z.string().optional(), error: z.any(), stack: z.string().optional() };

const StepFailedSchema = eventSchema(correlated, 'step_failed', z.object(stepError));

const StepRetryingSchema = eventSchema(
  correlated,
  'step_retrying',
  z.object({ ...stepError, retryAfter: z.coerce.date().optional() }),
);

export const HookCreatedEventSchema = eventSchema(
  correlated,
  'hook_created',
  z.object({
    token: z.string(),
    metadata: SerializedDataSchema.optional(),
    isWebhook: z.boolean().optional(),
  }),
);

const HookReceivedSchema = eventSchema(
  correlated,
  'hook_received',
  z.object({ token: z.string().optional(), payload: SerializedDataSchema }),
);

const HookDisposedSchema = eventSchema(
  correlated,
  'hook_disposed',
  z.object({ token: z.string().optional() }).optional(),
);

/** Written by the World only, when a `hook_created` asks for a token another hook holds. */
const HookConflictSchema = eventSchema(
  correlated,
  'hook_conflict',
  z.object({ token: z.string(), conflictingRunId: z.string().optional() }),
);

const WaitCreatedSchema = eventSchema(
  correlated,
  'wait_created',
  z.object({ resumeAt: z.coerce.date() }),
);

const WaitCompletedSchema = eventSchema(
  correlated,
  'wait_completed',
  z.object({ resumeAt: z.coerce.date().optional() }).optional(),
);

/** Every event a client may ask `events.create` for (`hook_conflict` is the World's alone). */
const CLIENT_EVENT_SCHEMAS = [
  RunCreatedSchema,
  RunStartedSchema,
  RunCompletedSchema,
  RunFailedSchema,
  RunCancelledSchema,
  StepCreatedSchema,
  StepStartedSchema,
  StepCompletedSchema,
  StepFailedSchema,
  StepRetryingSchema,
  HookCreatedEventSchema,
  HookReceivedSchema,
  HookDisposedSchema,
  WaitCreatedSchema,
  WaitCompletedSchema,
] as const;

export const CreateEventSchema = z.discriminatedUnion('eventType', CLIENT_EVENT_SCHEMAS);

/** A stored event as reads return it. */
export const EventSchema = z.intersection(
  z.discriminatedUnion('eventType', [...CLIENT_EVENT_SCHEMAS, HookConflictSchema]),
  z.object({
    runId: z.string(),
    eventId: z.string(),
    createdAt: z.coerce.date(),
    occurredAt: z.coerce.date().optional(),
    specVersion: z.number().optional(),
  }),
);

export type Event = z.infer<typeof EventSchema>;
export type AnyEventRequest = z.infer<typeof CreateEventSchema>;
export type RunCreatedEventRequest = z.infer<typeof RunCreatedSchema>;
export type CreateEventRequest = Exclude<AnyEventRequest, RunCreatedEventRequest>;
export type HookCreatedEvent = z.infer<typeof HookCreatedEventSchema>;
export type HookReceivedEvent = z.infer<typeof HookReceivedSchema>;
export type HookConflictEvent = z.infer<typeof HookConflictSchema>;

export interface CreateEventParams {
  /** Shapes the returned event and entity: `'none'` strips payload fields. */
  resolveData?: ResolveData;
  /** Set by runtimes for legacy (spec version 1) runs; Worldkit Worlds never create those. */
  v1Compat?: boolean;
  /** A platform request id, for log correlation only. */
  requestId?: string;
  /**
   * The precondition guard (epoch ms): the ULID time of the newest event the writer loaded. The
   * create is refused with `PreconditionFailedError` (412) when a newer externally originated
   * event (`hook_received` or `step_completed` created without this field) was recorded.
   */
  stateUpdatedAt?: number;
  /** Client-side occurrence time. Accepted and ignored: `createdAt` is the append time. */
  occurredAt?: Date;
  /**
   * Worldkit's compare-and-set fence: the id of the newest event the writer decided from. The
   * create is refused with a `FENCE_CONFLICT` 412 unless it is still the run's newest event.
   */
  lastKnownEventId?: string;
}

/** What `events.create` returns. `event` is absent when nothing was appended (idempotent calls). */
export interface EventResult {
  event?: Event;
  run?: WorkflowRun;
  step?: Step;
  hook?: Hook;
  wait?: Wait;
  /** On `run_started`: the run's complete log, ascending, including the new event. */
  events?: Event[];
  cursor?: string | null;
  hasMore?: boolean;
  /** The per-run event ceiling the runtime enforces. */
  maxEvents?: number;
  /** On a lazy `step_started`: true, it created the step (the caller owns its execution). */
  stepCreated?: boolean;
}

export interface GetEventParams {
  resolveData?: ResolveData;
}

export interface ListEventsParams {
  runId: string;
  pagination?: PaginationOptions;
  resolveData?: ResolveData;
}

export interface ListEventsByCorrelationIdParams {
  correlationId: string;
  /** Correlation ids are unique within a run only; with `runId` the lookup is run-scoped. */
  runId?: string;
  pagination?: PaginationOptions;
  resolveData?: ResolveData;
}

/** Payload fields per event type: what `resolveData: 'none'` strips from `eventData`. */
export const EVENT_DATA_REF_FIELDS: Partial<Record<EventType, readonly string[]>> = {
  run_created: ['input'],
  run_completed: ['output'],
  run_failed: ['error'],
  step_created: ['input'],
  step_completed: ['result'],
  step_failed: ['error'],
  step_retrying: ['error'],
  hook_created: ['metadata'],
  hook_received: ['payload'],
};
