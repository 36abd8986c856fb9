import {
  type AnyEventRequest,
  type EventResult,
  refusalContextOf,
  refusalError,
  resultForRead,
  type ValidatedCreate,
  validateCreateEvent,
  type WorkflowWorldError,
} from '@worldkit/world';
import type { StoreContext } from '../store-context.js';
import {
  type CreateEventRequest,
  createEventArgs,
  createEventRequestOf,
  decodeCreateEventReply,
} from './create-event-wire.js';
import { readWholeLog } from './event-log.js';
import {
  assembleEvent,
  hookFromFields,
  runFromFields,
  stepFromFields,
  waitFromFields,
} from './records.js';

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
  const request = createEventRequestOf(validated);
  const keys = store.keys.run(request.runId);
  const raw = (await store.call(
    'createEvent',
    [keys.run, store.keys.global.runs],
    createEventArgs(request),
  )) as Buffer[];
  const outcome = await outcomeOf(store, request, raw);
  if (outcome instanceof Error) throw outcome;
  return resultForRead(outcome, validated.params.resolveData);
}

/**
 * events.createBatch's appends, to one run: the script once per append in one MULTI/EXEC, so
 * they run back to back (no other writer's event lands between them) and each decides on its own.
 * Results are unshaped (`createBatchWith` applies resolveData).
 */
export async function createEvents(
  store: StoreContext,
  creates: readonly ValidatedCreate[],
): Promise<Array<EventResult | WorkflowWorldError>> {
  const requests = creates.map(createEventRequestOf);
  const replies = await store.callEach(
    'createEvent',
    requests.map((request) => ({
      keys: [store.keys.run(request.runId).run, store.keys.global.runs],
      args: createEventArgs(request),
    })),
  );
  return Promise.all(
    requests.map((request, index) => outcomeOf(store, request, replies[index] as Buffer[])),
  );
}

/** A script's reply as the append's result (unshaped) or its typed refusal. */
async function outcomeOf(
  store: StoreContext,
  request: CreateEventRequest,
  raw: Buffer[],
): Promise<EventResult | WorkflowWorldError> {
  const reply = decodeCreateEventReply(raw);
  if (reply.outcome === 'refused') return refusalError(reply.refusal, refusalContextOf(request));

  const { runId: id, event, correlationId, specVersion } = request;
  const result: EventResult = {};
  const lastId = reply.eventIds.at(-1);
  const lastAt = reply.lastEventAt;
  if (lastId !== undefined && lastAt !== undefined) {
    result.event =
      reply.entity.kind === 'conflict'
        ? assembleEvent(id, lastId, lastAt, 'hook_conflict', correlationId, specVersion, {
            token: (event as Extract<AnyEventRequest, { eventType: 'hook_created' }>).eventData
              .token,
            conflictingRunId: reply.entity.conflictingRunId,
          })
        : assembleEvent(
            id,
            lastId,
            lastAt,
            event.eventType,
            correlationId,
            specVersion,
            request.storedData,
          );
  }
  switch (reply.entity.kind) {
    case 'run':
      result.run = runFromFields(id, reply.entity.fields);
      if (store.maxEvents !== undefined) result.maxEvents = store.maxEvents;
      if (event.eventType === 'run_started') {
        const log = await readWholeLog(store, id);
        result.events = log.events;
        result.cursor = log.cursor;
        result.hasMore = false;
      }
      break;
    case 'step':
      result.step = stepFromFields(id, correlationId!, reply.entity.fields);
      // A lazy start that applied created the step: its caller owns the step's execution.
      if (request.lazyStep !== undefined) result.stepCreated = true;
      break;
    case 'hook':
      result.hook = hookFromFields(id, correlationId!, reply.entity.fields);
      break;
    case 'wait':
      result.wait = waitFromFields(id, correlationId!, reply.entity.fields);
      break;
  }
  return result;
}
