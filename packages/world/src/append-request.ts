/**
 * One validated `events.create`, laid out for a World that decides it natively (a PL/pgSQL
 * function, a Lua script): every value such a backend needs, named and typed once, so each World
 * only spells them in its own wire format (`world-postgres` `storage/append-wire.ts`,
 * `world-redis` `storage/create-event-wire.ts`).
 */
import { randomUlidPart } from './ids.js';
import type { RefusalContext } from './refusal.js';
import type { AnyEventRequest, RunCreatedEventRequest } from './schemas/events.js';
import type { StructuredError } from './schemas/shared.js';
import { bootstrapDataOf } from './state-machine/bootstrap.js';
import { structuredError } from './state-machine/transition.js';
import type { ValidatedCreate } from './validation.js';
import { SPEC_VERSION_CURRENT } from './world.js';

export type RunCreationData = RunCreatedEventRequest['eventData'];

export interface AppendRequest {
  runId: string;
  event: AnyEventRequest;
  correlationId: string | undefined;
  /** The event's spec version, the World's own when the writer sent none. */
  specVersion: number;
  stateUpdatedAt: number | undefined;
  lastKnownEventId: string | undefined;
  /** The event id's 16 random characters; its time part comes from the backend's clock. */
  random: string;
  /** What the event stores as its `eventData` (nothing for `run_started`). */
  storedData: unknown;
  /** `run_created`'s data, or what a `run_started` carries to create a missing run. */
  creation: RunCreationData | undefined;
  /** The structured error `run_failed`, `step_failed` and `step_retrying` store. */
  error: StructuredError | undefined;
  /** The value the entity keeps: a run's output, a step's input or output, a hook's metadata. */
  entityValue: { value: unknown } | undefined;
  stepName: string | undefined;
  token: string | undefined;
  isWebhook: boolean | undefined;
  /** `wait_created`'s resumeAt and `step_retrying`'s retryAfter, epoch ms. */
  resumeAt: number | undefined;
  retryAfter: number | undefined;
}

export function appendRequestOf({ runId, event, params }: ValidatedCreate): AppendRequest {
  const request: AppendRequest = {
    runId,
    event,
    correlationId: 'correlationId' in event ? event.correlationId : undefined,
    specVersion: event.specVersion ?? SPEC_VERSION_CURRENT,
    stateUpdatedAt: params.stateUpdatedAt,
    lastKnownEventId: params.lastKnownEventId,
    random: randomUlidPart(),
    storedData: 'eventData' in event ? event.eventData : undefined,
    creation: undefined,
    error: undefined,
    entityValue: undefined,
    stepName: undefined,
    token: undefined,
    isWebhook: undefined,
    resumeAt: undefined,
    retryAfter: undefined,
  };
  switch (event.eventType) {
    case 'run_created':
      request.creation = event.eventData;
      break;
    case 'run_started':
      // Never stored on run_started; only used to create a missing run (resilient start).
      request.storedData = undefined;
      request.creation = bootstrapDataOf(event);
      break;
    case 'run_completed':
      request.entityValue = { value: event.eventData.output };
      break;
    case 'run_failed':
      request.error = structuredError(event.eventData.error, undefined, event.eventData.errorCode);
      break;
    case 'step_created':
      request.stepName = event.eventData.stepName;
      request.entityValue = { value: event.eventData.input };
      break;
    case 'step_completed':
      request.entityValue = { value: event.eventData.result };
      break;
    case 'step_failed':
      request.error = structuredError(event.eventData.error, event.eventData.stack);
      break;
    case 'step_retrying':
      request.error = structuredError(event.eventData.error, event.eventData.stack);
      request.retryAfter = event.eventData.retryAfter?.getTime();
      break;
    case 'hook_created':
      request.token = event.eventData.token;
      request.isWebhook = event.eventData.isWebhook ?? false;
      if (event.eventData.metadata !== undefined)
        request.entityValue = { value: event.eventData.metadata };
      break;
    case 'wait_created':
      request.resumeAt = event.eventData.resumeAt.getTime();
      break;
  }
  return request;
}

/** What `refusalError` needs to name a refusal of this request. */
export function refusalContextOf(request: AppendRequest): RefusalContext {
  return {
    runId: request.runId,
    eventType: request.event.eventType,
    correlationId: request.correlationId,
    lastKnownEventId: request.lastKnownEventId,
  };
}
