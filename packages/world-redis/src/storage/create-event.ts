import {
  type AnyEventRequest,
  bootstrapDataOf,
  type EventResult,
  encodeBinary,
  type RejectionCode,
  type RunCreatedEventRequest,
  randomUlidPart,
  refusalError,
  resultForRead,
  SPEC_VERSION_CURRENT,
  structuredError,
  type ValidatedCreate,
  validateCreateEvent,
} from '@worldkit/world';
import type { StoreContext } from '../store-context.js';
import { readWholeLog } from './event-log.js';
import {
  assembleEvent,
  encodeRecord,
  fieldsOf,
  hookFromFields,
  runFromFields,
  stepFromFields,
  waitFromFields,
} from './records.js';

type Arg = string | Uint8Array | number;

/**
 * `events.create`: validated in JS (nothing is sent on bad input), then decided and applied by one
 * Lua script (`lua/createEvent.lua`) in the run's critical section.
 */
export async function createEvent(
  store: StoreContext,
  runId: unknown,
  data: unknown,
  params: unknown,
): Promise<EventResult> {
  const validated = validateCreateEvent(runId, data, params);
  const { event, params: options } = validated;
  const specVersion = event.specVersion ?? SPEC_VERSION_CURRENT;
  const storedData = event.eventType === 'run_started' ? undefined : eventDataOf(event);
  const args: Arg[] = [
    validated.runId,
    event.eventType,
    event.correlationId ?? '',
    specVersion,
    options.stateUpdatedAt ?? '',
    options.lastKnownEventId ?? '',
    randomUlidPart(),
    encodeRecord(event.eventType, event.correlationId, specVersion, storedData),
    ...typeArgs(event, specVersion),
  ];
  const keys = store.keys.run(validated.runId);
  const reply = (await store.call('createEvent', [keys.run, store.keys.global.runs], args)) as
    | Buffer[]
    | undefined;
  const result = await resultOf(store, validated, specVersion, storedData, reply ?? []);
  return resultForRead(result, options.resolveData);
}

function eventDataOf(event: AnyEventRequest): unknown {
  return 'eventData' in event ? event.eventData : undefined;
}

/** The scalars and blobs the script needs beyond the record, per event type (see its header). */
function typeArgs(event: AnyEventRequest, specVersion: number): Arg[] {
  switch (event.eventType) {
    case 'run_created':
      return runCreationArgs(event.eventData);
    case 'run_started': {
      const bootstrap = bootstrapDataOf(event);
      if (bootstrap === undefined) return [''];
      return [
        '1',
        ...runCreationArgs(bootstrap),
        encodeRecord('run_created', undefined, specVersion, bootstrap),
      ];
    }
    case 'run_completed':
      return [encodeBinary(event.eventData.output)];
    case 'run_failed':
      return [
        encodeBinary(structuredError(event.eventData.error, undefined, event.eventData.errorCode)),
      ];
    case 'step_created':
      return [event.eventData.stepName, encodeBinary(event.eventData.input)];
    case 'step_completed':
      return [encodeBinary(event.eventData.result)];
    case 'step_failed':
      return [encodeBinary(structuredError(event.eventData.error, event.eventData.stack))];
    case 'step_retrying':
      return [
        encodeBinary(structuredError(event.eventData.error, event.eventData.stack)),
        event.eventData.retryAfter === undefined ? '' : event.eventData.retryAfter.getTime(),
      ];
    case 'hook_created':
      return [
        event.eventData.token,
        event.eventData.metadata === undefined ? '' : encodeBinary(event.eventData.metadata),
        event.eventData.isWebhook ? '1' : '0',
      ];
    case 'wait_created':
      return [event.eventData.resumeAt.getTime()];
    default:
      return [];
  }
}

/** What the script needs to create a run, from `run_created` or a bootstrapping `run_started`. */
function runCreationArgs(data: RunCreatedEventRequest['eventData']): Arg[] {
  return [
    data.deploymentId,
    data.workflowName,
    encodeBinary(data.input),
    data.executionContext === undefined ? '' : encodeBinary(data.executionContext),
  ];
}

async function resultOf(
  store: StoreContext,
  validated: ValidatedCreate,
  specVersion: number,
  storedData: unknown,
  reply: Buffer[],
): Promise<EventResult> {
  const { runId, event } = validated;
  if (reply[0]?.toString() === 'ERR') {
    throw rejection(validated, reply);
  }
  const count = Number(reply[2]!.toString());
  const eventIds = reply.slice(3, 3 + count).map((id) => id.toString());
  const kind = reply[3 + count]!.toString();
  const entity = fieldsOf(reply, 4 + count);
  const lastId = eventIds.at(-1);
  const correlationId = event.correlationId;

  const result: EventResult = {};
  if (lastId !== undefined) {
    result.event =
      kind === 'conflict'
        ? assembleEvent(runId, lastId, 'hook_conflict', correlationId, specVersion, {
            token: (event as Extract<AnyEventRequest, { eventType: 'hook_created' }>).eventData
              .token,
            conflictingRunId: reply[4 + count]!.toString(),
          })
        : assembleEvent(runId, lastId, event.eventType, correlationId, specVersion, storedData);
  }
  switch (kind) {
    case 'run':
      result.run = runFromFields(runId, entity);
      if (store.maxEvents !== undefined) result.maxEvents = store.maxEvents;
      if (event.eventType === 'run_started') {
        const log = await readWholeLog(store, runId);
        result.events = log.events;
        result.cursor = log.cursor;
        result.hasMore = false;
      }
      break;
    case 'step':
      result.step = stepFromFields(runId, correlationId!, entity);
      break;
    case 'hook':
      result.hook = hookFromFields(runId, correlationId!, entity);
      break;
    case 'wait':
      result.wait = waitFromFields(runId, correlationId!, entity);
      break;
  }
  return result;
}

/** A refusal replied as `{'ERR', code, message, detail}`. */
function rejection(validated: ValidatedCreate, reply: Buffer[]) {
  const { runId, event, params } = validated;
  return refusalError(
    {
      code: reply[1]!.toString() as RejectionCode,
      message: reply[2]!.toString(),
      detail: reply[3]!.toString(),
    },
    {
      runId,
      eventType: event.eventType,
      correlationId: event.correlationId,
      lastKnownEventId: params.lastKnownEventId,
    },
  );
}
