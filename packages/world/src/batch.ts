/**
 * `events.createBatch` of the 5.x line, on top of a World's atomic multi-append. The request is
 * checked and turned into appends (`planBatch`); the World commits the appends in one atomic write,
 * each decided on its own by the same rules as `events.create` (an `AppendAll`); their outcomes
 * become one result per submitted event (`createBatchWith`). See ARCHITECTURE.md, "Batches".
 */
import { InvalidInputError, type WorkflowWorldError } from './errors.js';
import { eventSlotOf, slotEventId } from './ids.js';
import { eventForRead, resultForRead } from './resolve-data.js';
import type {
  AnyEventRequest,
  Event,
  EventResult,
  ListEventsByCorrelationIdParams,
} from './schemas/events.js';
import type { WorkflowRun } from './schemas/runs.js';
import type { PaginatedResponse, ResolveData } from './schemas/shared.js';
import type { Step } from './schemas/steps.js';
import type { Wait } from './schemas/waits.js';
import { lazyStepDataOf } from './state-machine/bootstrap.js';
import { ruleOf } from './state-machine/evaluate.js';
import { assertSafeId, type ValidatedCreate, validateCreateEvent } from './validation.js';

/** One event of a batch, in the order it is to land in the run's log. */
export interface BatchEventRequest {
  event: unknown;
  /** Accepted and ignored, as on `events.create`: an event's `createdAt` is its commit time. */
  occurredAt?: Date;
  /** Accepted and ignored: attribution of the executing instance, which nothing here reads. */
  computeInstanceId?: string;
}

export interface CreateEventBatchParams {
  resolveData?: ResolveData;
  requestId?: string;
}

/** One submitted event's outcome: what its own `events.create` would have returned or thrown. */
export type BatchEventItemResult = AppliedItem | { status: number; error: string; message: string };

interface AppliedItem {
  status: 200;
  event: Event;
  run?: WorkflowRun;
  step?: Step;
  wait?: Wait;
}

export interface EventBatchResult {
  /** One per submitted event, in request order. */
  results: BatchEventItemResult[];
}

/**
 * Commits `appends` to one run in order, in one atomic write, each decided on its own: the
 * applied ones land at consecutive positions of the run's log, the refused ones write nothing.
 * Returns, per append, its result (unshaped: `resolveData` is applied afterwards) or its refusal.
 */
export type AppendAll = (
  appends: readonly ValidatedCreate[],
) => Promise<Array<EventResult | WorkflowWorldError>>;

/** The most events one batch may carry (the 5.x runtime sends at most 32). */
export const MAX_BATCH_EVENTS = 256;

/**
 * Events a batch may not carry: they start or end a run's lifetime outside the replay, or claim a
 * hook token, and the 5.x contract keeps them on the single write.
 */
const SINGLE_WRITE_ONLY: ReadonlySet<string> = new Set([
  'run_created',
  'run_started',
  'run_cancelled',
  'hook_created',
  'hook_disposed',
]);

/** One append of a batch and the submitted events it answers. */
interface PlannedAppend {
  create: ValidatedCreate;
  /**
   * The index of the submitted event it answers; for a `step_created` + `step_started` pair, the
   * pair's `step_created` (the append is the lazy start that creates the step born running).
   */
  answers: number;
  pairedStart?: number;
}

export interface BatchPlan {
  runId: string;
  appends: PlannedAppend[];
  size: number;
  resolveData: ResolveData;
}

/**
 * Checks a batch and turns it into appends. Every event is validated as `events.create`
 * validates it; then the batch's own refusals: an event kept to the single write, more than one
 * event about one entity (except a step's `step_created` directly followed by its
 * `step_started`), and a `step_started` carrying input. Throws `InvalidInputError`, naming the
 * event, before anything is written.
 *
 * A pair becomes one lazy start: a `step_started` carrying the `step_created`'s data, which the
 * rules apply as the step's create-claim (refused, both halves, when the step exists) and which
 * appends the two events at consecutive positions.
 */
export function planBatch(runId: unknown, events: unknown, params: unknown): BatchPlan {
  assertSafeId(runId, 'runId');
  if (!Array.isArray(events)) throw new InvalidInputError('events', 'expected an array');
  if (events.length > MAX_BATCH_EVENTS) {
    throw new InvalidInputError(
      'events',
      `a batch carries at most ${MAX_BATCH_EVENTS} events, got ${events.length}`,
    );
  }
  const { resolveData, requestId } = (params ?? {}) as CreateEventBatchParams;
  const createParams = {
    ...(resolveData === undefined ? {} : { resolveData }),
    ...(requestId === undefined ? {} : { requestId }),
  };
  const validated = events.map((item, index) => validateItem(runId, item, createParams, index));
  const appends: PlannedAppend[] = [];
  const touched = new Set<string>();
  for (const [index, create] of validated.entries()) {
    const { event } = create;
    const field = (name: string) => `events[${index}].event.${name}`;
    if (SINGLE_WRITE_ONLY.has(event.eventType)) {
      throw new InvalidInputError(
        field('eventType'),
        `${event.eventType} is not written in a batch; use events.create`,
      );
    }
    if (event.eventType === 'step_started' && event.eventData?.input !== undefined) {
      throw new InvalidInputError(
        field('eventData.input'),
        "a step_started in a batch carries no input: the step_created before it carries the step's",
      );
    }
    const previous = appends.at(-1);
    if (isPairedStart(previous, index, event)) {
      previous!.create = lazyStartOf(previous!.create, create);
      previous!.pairedStart = index;
      continue;
    }
    const entity = entityKeyOf(event);
    if (touched.has(entity)) {
      throw new InvalidInputError(
        field('eventType'),
        `the batch writes ${entity} twice; only a step_created directly followed by its ` +
          'step_started may share an entity',
      );
    }
    touched.add(entity);
    appends.push({ create, answers: index });
  }
  return { runId, appends, size: events.length, resolveData: resolveData ?? 'all' };
}

function validateItem(
  runId: unknown,
  item: unknown,
  params: object,
  index: number,
): ValidatedCreate {
  if (typeof item !== 'object' || item === null || !('event' in item)) {
    throw new InvalidInputError(`events[${index}]`, 'expected { event }');
  }
  try {
    return validateCreateEvent(runId, (item as BatchEventRequest).event, params);
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    throw new InvalidInputError(`events[${index}].event.${error.field}`, error.problem);
  }
}

function isPairedStart(
  previous: PlannedAppend | undefined,
  index: number,
  event: AnyEventRequest,
): boolean {
  return (
    previous !== undefined &&
    previous.answers === index - 1 &&
    previous.pairedStart === undefined &&
    previous.create.event.eventType === 'step_created' &&
    event.eventType === 'step_started' &&
    previous.create.event.correlationId === event.correlationId
  );
}

/** The entity an event is about: its run, or one of its steps, hooks or waits. */
function entityKeyOf(event: AnyEventRequest): string {
  const { entity } = ruleOf(event.eventType);
  return entity === 'run'
    ? 'the run'
    : `${entity} ${'correlationId' in event ? event.correlationId : ''}`;
}

/** The pair as one lazy start: the `step_started` carrying its `step_created`'s data. */
function lazyStartOf(created: ValidatedCreate, started: ValidatedCreate): ValidatedCreate {
  const creation = (created.event as Extract<AnyEventRequest, { eventType: 'step_created' }>)
    .eventData;
  const start = started.event as Extract<AnyEventRequest, { eventType: 'step_started' }>;
  return { ...started, event: { ...start, eventData: { ...start.eventData, ...creation } } };
}

/** Reads a run's events of one correlation id: how a ULID run's `step_created` is found. */
type ListByCorrelationId = (
  params: ListEventsByCorrelationIdParams,
) => Promise<PaginatedResponse<Event>>;

/**
 * The `events.createBatch` member of a World whose store commits appends atomically
 * (`appendAll`). An empty batch writes nothing and answers nothing.
 */
export function createBatchWith(appendAll: AppendAll, listByCorrelationId: ListByCorrelationId) {
  return async (
    runId: string,
    events: BatchEventRequest[],
    params?: CreateEventBatchParams,
  ): Promise<EventBatchResult> => {
    const plan = planBatch(runId, events, params);
    if (plan.appends.length === 0) return { results: [] };
    const outcomes = await appendAll(plan.appends.map((append) => append.create));
    const results: BatchEventItemResult[] = new Array(plan.size);
    for (const [index, append] of plan.appends.entries()) {
      const outcome = outcomes[index]!;
      if (outcome instanceof Error) {
        const refused = refusedItem(outcome);
        results[append.answers] = refused;
        if (append.pairedStart !== undefined) results[append.pairedStart] = refused;
        continue;
      }
      const shaped = resultForRead(outcome, plan.resolveData);
      const applied = appliedItem(shaped, append.create);
      if (append.pairedStart === undefined) {
        results[append.answers] = applied;
        continue;
      }
      const created = await pairCreatedEvent(plan, append.create, outcome, listByCorrelationId);
      results[append.answers] = { ...applied, event: eventForRead(created, plan.resolveData) };
      results[append.pairedStart] = applied;
    }
    return { results };
  };
}

function refusedItem(error: WorkflowWorldError): BatchEventItemResult {
  return { status: error.status ?? 500, error: error.code ?? error.name, message: error.message };
}

function appliedItem(result: EventResult, create: ValidatedCreate): AppliedItem {
  if (result.event === undefined) {
    // Only run_started and run_cancelled can be idempotent no-ops, and a batch carries neither.
    throw new Error(`${create.event.eventType} in a batch appended nothing`);
  }
  return {
    status: 200,
    event: result.event,
    ...(result.run === undefined ? {} : { run: result.run }),
    ...(result.step === undefined ? {} : { step: result.step }),
    ...(result.wait === undefined ? {} : { wait: result.wait }),
  };
}

/**
 * The `step_created` a pair's lazy start appended just before its `step_started`. On a run
 * numbered by slot it holds the slot before and exactly the creation data the lazy start carried;
 * on a run numbered by ULID its id is only in the store, so it is read back.
 */
async function pairCreatedEvent(
  plan: BatchPlan,
  lazyStart: ValidatedCreate,
  result: EventResult,
  listByCorrelationId: ListByCorrelationId,
): Promise<Event> {
  const started = result.event!;
  const slot = eventSlotOf(started.eventId);
  if (slot === undefined) {
    const { data } = await listByCorrelationId({
      runId: plan.runId,
      correlationId: started.correlationId!,
      pagination: { limit: 1, sortOrder: 'asc' },
    } as ListEventsByCorrelationIdParams);
    return data[0]!;
  }
  const creation = lazyStepDataOf(
    lazyStart.event as Extract<AnyEventRequest, { eventType: 'step_started' }>,
  )!;
  return {
    runId: started.runId,
    eventId: slotEventId(slot - 1),
    eventType: 'step_created',
    correlationId: started.correlationId!,
    eventData: creation,
    createdAt: result.step!.createdAt,
    ...(started.specVersion === undefined ? {} : { specVersion: started.specVersion }),
  } as Event;
}
