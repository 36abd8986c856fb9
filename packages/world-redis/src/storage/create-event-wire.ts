/**
 * The wire format of `lua/createEvent.lua`: the ARGV it reads for an `AppendRequest`, and its
 * reply decoded into a typed value. The one place that knows either layout (the script's header
 * documents the same).
 */
import {
  type AppendRequest,
  appendRequestOf,
  encodeBinary,
  type LazyStepData,
  lazyStepDataOf,
  type Refusal,
  type RejectionCode,
  type ValidatedCreate,
} from '@worldkit/world';
import { encodeRecord, type Fields, fieldsOf } from './records.js';

type Arg = string | Uint8Array | number;

/** What the script decides: the shared `AppendRequest`, and a lazy step start's creation data. */
export interface CreateEventRequest extends AppendRequest {
  /**
   * Set on a lazy `step_started` (`lazyStepDataOf`): what its synthetic `step_created` stores.
   * `storedData` is then the start's own eventData, without the `input` the step keeps.
   */
  lazyStep: LazyStepData | undefined;
}

export function createEventRequestOf(validated: ValidatedCreate): CreateEventRequest {
  // Completed in place, not copied: the request is ours, and a spread of its many fields cost
  // 2 µs on every events.create.
  const request = appendRequestOf(validated) as CreateEventRequest;
  const { event } = request;
  request.lazyStep = event.eventType === 'step_started' ? lazyStepDataOf(event) : undefined;
  if (event.eventType === 'step_started' && request.lazyStep !== undefined) {
    const { input: _onStepCreated, ...startData } = event.eventData!;
    request.storedData = startData;
  }
  return request;
}

/** ARGV[1..8], then the event type's own arguments from ARGV[9]. */
export function createEventArgs(request: CreateEventRequest): Arg[] {
  const { event, correlationId, specVersion } = request;
  return [
    request.runId,
    event.eventType,
    correlationId ?? '',
    specVersion,
    request.stateUpdatedAt ?? '',
    request.lastKnownEventId ?? '',
    request.random,
    encodeRecord(event.eventType, correlationId, specVersion, request.storedData),
    ...typeArgs(request),
  ];
}

const optional = (value: unknown) => (value === undefined ? '' : encodeBinary(value));

function typeArgs(request: CreateEventRequest): Arg[] {
  const { creation, entityValue } = request;
  switch (request.event.eventType) {
    case 'run_created':
      return runCreationArgs(creation!);
    case 'run_started':
      // '1' and the creation data when the event may create a missing run (resilient start).
      if (creation === undefined) return [''];
      return [
        '1',
        ...runCreationArgs(creation),
        encodeRecord('run_created', undefined, request.specVersion, creation),
      ];
    case 'run_completed':
    case 'step_completed':
      return [encodeBinary(entityValue!.value)];
    case 'run_failed':
    case 'step_failed':
      return [encodeBinary(request.error)];
    case 'step_created':
      return [request.stepName!, encodeBinary(entityValue!.value)];
    case 'step_started': {
      // '1', the step's name and input, and the synthetic step_created record on a lazy start.
      const { lazyStep } = request;
      if (lazyStep === undefined) return [];
      return [
        '1',
        lazyStep.stepName,
        encodeBinary(lazyStep.input),
        encodeRecord('step_created', request.correlationId, request.specVersion, lazyStep),
      ];
    }
    case 'step_retrying':
      return [encodeBinary(request.error), request.retryAfter ?? ''];
    case 'hook_created':
      return [request.token!, optional(entityValue?.value), request.isWebhook ? '1' : '0'];
    case 'wait_created':
      return [request.resumeAt!];
    default:
      return [];
  }
}

function runCreationArgs(data: NonNullable<AppendRequest['creation']>): Arg[] {
  return [
    data.deploymentId,
    data.workflowName,
    encodeBinary(data.input),
    optional(data.executionContext),
    optional(data.attributes),
  ];
}

/** What the script touched: the entity's stored fields, or the run holding a hook's token. */
export type ReplyEntity =
  | { kind: 'run' | 'step' | 'hook' | 'wait'; fields: Fields }
  | { kind: 'conflict'; conflictingRunId: string }
  | { kind: 'none' };

export type CreateEventReply =
  | { outcome: 'refused'; refusal: Refusal }
  | {
      outcome: 'applied' | 'unchanged';
      eventIds: string[];
      /** The last event's time, epoch ms (undefined when nothing was appended). */
      lastEventAt: number | undefined;
      entity: ReplyEntity;
    };

/**
 * `{'ERR', code, message, detail}`, or
 * `{'OK', outcome, n, last event's time or '', eventId_1..eventId_n, kind,
 * entity hash fields… | holder run id}`.
 */
export function decodeCreateEventReply(reply: Buffer[]): CreateEventReply {
  const text = (index: number) => reply[index]!.toString();
  if (text(0) === 'ERR') {
    return {
      outcome: 'refused',
      refusal: { code: text(1) as RejectionCode, message: text(2), detail: text(3) },
    };
  }
  const count = Number(text(2));
  const lastEventAt = count === 0 ? undefined : Number(text(3));
  const eventIds = reply.slice(4, 4 + count).map((id) => id.toString());
  const kind = text(4 + count) as ReplyEntity['kind'];
  const entity: ReplyEntity =
    kind === 'conflict'
      ? { kind, conflictingRunId: text(5 + count) }
      : kind === 'none'
        ? { kind }
        : { kind, fields: fieldsOf(reply, 5 + count) };
  return { outcome: text(1) as 'applied' | 'unchanged', eventIds, lastEventAt, entity };
}
