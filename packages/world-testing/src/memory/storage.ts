import {
  createBatchWith,
  EntityNotFoundError,
  type Event,
  type EventResult,
  type GetEventParams,
  type GetHookParams,
  type Hook,
  HookNotFoundError,
  hookForRead,
  type ListEventsByCorrelationIdParams,
  type ListEventsParams,
  type ListHooksParams,
  type PaginationOptions,
  type RunState,
  resultForRead,
  runForRead,
  type Step,
  type Storage,
  stepForRead,
  type TransitionInput,
  transition,
  type ValidatedCreate,
  validateCreateEvent,
  type Wait,
  type WorkflowRun,
  WorkflowRunNotFoundError,
  WorkflowWorldError,
} from '@worldkit/world';
import { eventPage } from './event-page.js';
import { OrderedIndex } from './ordered-index.js';

/** Everything the memory World keeps about one run besides the run entity itself. */
interface RunRecord {
  state: RunState;
  events: Event[];
  /** Position of each event in `events`, for cursors. */
  positions: Map<string, number>;
  steps: OrderedIndex<Step>;
  /** Active hooks by hook id; deleted on dispose and when the run terminates. */
  hooks: Map<string, Hook>;
  /** Hook ids that ever had a `hook_created`: a second one is a duplicate even after dispose. */
  hookEverCreated: Set<string>;
  waits: Map<string, Wait>;
}

/**
 * The state of one in-memory backend. Several World instances may share it (the suite's "two
 * instances over one backend" cases); each `events.create` runs to completion synchronously
 * between awaits, so it is trivially atomic in one process.
 */
export class MemoryStore {
  readonly runs = new OrderedIndex<RunRecord>();
  /** Active hooks of every run, keyed `runId/hookId`, in creation order. */
  readonly hooks = new OrderedIndex<Hook>();
  /** Which active hook holds each token. */
  readonly tokens = new Map<string, { runId: string; hookId: string }>();
  /** Every event with a correlation id, in append order, across runs. */
  readonly byCorrelation = new Map<string, { events: Event[]; positions: Map<string, number> }>();
}

export interface MemoryStorageOptions {
  /** Reported as `maxEvents` with every returned run. */
  maxEvents?: number;
  /** The clock; tests may inject one. */
  now?: () => number;
}

/** `Storage` over a `MemoryStore`, built on the reference state machine. */
export function createMemoryStorage(
  store: MemoryStore,
  options: MemoryStorageOptions = {},
  assertOpen: () => void = () => {},
): Storage {
  const now = options.now ?? Date.now;

  function record(runId: string): RunRecord {
    const found = store.runs.get(runId);
    if (found === undefined) throw new WorkflowRunNotFoundError(runId);
    return found;
  }

  async function create(
    runId: string | null,
    data: unknown,
    params?: unknown,
  ): Promise<EventResult> {
    assertOpen();
    return commit(validateCreateEvent(runId, data, params));
  }

  /** Decides and applies one write with no await in between: nothing else runs meanwhile. */
  function commit(validated: ValidatedCreate): EventResult {
    const { event } = validated;
    const existing = store.runs.get(validated.runId);
    const correlationId = 'correlationId' in event ? event.correlationId : undefined;
    const input: TransitionInput = {
      runId: validated.runId,
      event,
      params: validated.params,
      now: now(),
      run: existing?.state,
      ...(options.maxEvents === undefined ? {} : { maxEvents: options.maxEvents }),
    };
    if (correlationId !== undefined) {
      if (event.eventType.startsWith('step_')) input.step = existing?.steps.get(correlationId);
      if (event.eventType.startsWith('hook_')) {
        input.hook = existing?.hooks.get(correlationId);
        input.hookEverCreated = existing?.hookEverCreated.has(correlationId) ?? false;
      }
      if (event.eventType.startsWith('wait_')) input.wait = existing?.waits.get(correlationId);
      if (event.eventType === 'hook_created') {
        input.tokenHolder = store.tokens.get(event.eventData.token);
      }
    }

    const outcome = transition(structuredClone(input));
    if (outcome.kind === 'rejected') throw outcome.error;
    if (outcome.kind === 'unchanged') {
      return structuredClone(resultForRead(outcome.result, validated.params.resolveData));
    }

    // Apply: nothing below can fail, so the append and the entity changes land together.
    const runRecord = existing ?? newRecord(outcome.run);
    if (existing === undefined) store.runs.set(validated.runId, runRecord);
    for (const appended of outcome.events) {
      runRecord.positions.set(appended.eventId, runRecord.events.length);
      runRecord.events.push(appended);
      if (appended.correlationId !== undefined) indexByCorrelation(store, appended);
    }
    runRecord.state = outcome.run;
    const { changes } = outcome;
    if (changes.step) runRecord.steps.set(changes.step.stepId, changes.step);
    if (changes.wait) {
      runRecord.waits.set(changes.wait.waitId.slice(validated.runId.length + 1), changes.wait);
    }
    if (changes.createdHook) {
      const hook = changes.createdHook;
      runRecord.hooks.set(hook.hookId, hook);
      runRecord.hookEverCreated.add(hook.hookId);
      store.hooks.set(`${hook.runId}/${hook.hookId}`, hook);
      store.tokens.set(hook.token, { runId: hook.runId, hookId: hook.hookId });
    }
    if (changes.deletedHook) deleteHook(store, runRecord, changes.deletedHook);
    if (changes.releaseRunResources) {
      for (const hook of [...runRecord.hooks.values()]) deleteHook(store, runRecord, hook);
      runRecord.waits.clear();
    }

    let result = outcome.result;
    if (event.eventType === 'run_started') {
      // The runtime replays from this preload: the complete log, ascending, with a cursor that
      // continues `events.list` after its last event.
      result = {
        ...result,
        events: runRecord.events,
        cursor: runRecord.events.at(-1)!.eventId,
        hasMore: false,
      };
    }
    return structuredClone(resultForRead(result, validated.params.resolveData));
  }

  /** A batch's appends, committed one after another with no await between: one atomic write. */
  async function commitAll(creates: readonly ValidatedCreate[]) {
    assertOpen();
    return creates.map((validated) => {
      try {
        return commit(validated);
      } catch (error) {
        if (error instanceof WorkflowWorldError) return error;
        throw error;
      }
    });
  }

  const storage = {
    runs: {
      async get(id: string, params?: { resolveData?: 'all' | 'none' }) {
        assertOpen();
        return structuredClone(runForRead(record(id).state.run, params?.resolveData)) as never;
      },
      async list(params?: {
        workflowName?: string;
        status?: WorkflowRun['status'];
        pagination?: PaginationOptions;
        resolveData?: 'all' | 'none';
      }) {
        assertOpen();
        return store.runs.page(
          'runs',
          params?.pagination,
          ({ state: { run } }) =>
            (params?.workflowName === undefined || run.workflowName === params.workflowName) &&
            (params?.status === undefined || run.status === params.status),
          ({ state: { run } }) => structuredClone(runForRead(run, params?.resolveData)),
        ) as never;
      },
    },
    steps: {
      async get(
        runId: string | undefined,
        stepId: string,
        params?: { resolveData?: 'all' | 'none' },
      ) {
        assertOpen();
        const step =
          runId === undefined ? findStep(store, stepId) : store.runs.get(runId)?.steps.get(stepId);
        if (step === undefined) throw new EntityNotFoundError('step', stepId);
        return structuredClone(stepForRead(step, params?.resolveData)) as never;
      },
      async list(params: {
        runId: string;
        pagination?: PaginationOptions;
        resolveData?: 'all' | 'none';
      }) {
        assertOpen();
        const steps = store.runs.get(params.runId)?.steps ?? new OrderedIndex<Step>();
        return steps.page(
          'steps',
          params.pagination,
          () => true,
          (step) => structuredClone(stepForRead(step, params.resolveData)),
        ) as never;
      },
    },
    events: {
      create: create as Storage['events']['create'],
      createBatch: createBatchWith(commitAll, (params) =>
        storage.events.listByCorrelationId(params),
      ),
      async get(runId: string, eventId: string, params?: GetEventParams) {
        assertOpen();
        const runRecord = store.runs.get(runId);
        const position = runRecord?.positions.get(eventId);
        if (runRecord === undefined || position === undefined) {
          throw new EntityNotFoundError('event', eventId);
        }
        return structuredClone(
          resultForRead({ event: runRecord.events[position]! }, params?.resolveData).event!,
        );
      },
      async list(params: ListEventsParams) {
        assertOpen();
        const runRecord = record(params.runId);
        return eventPage(
          runRecord.events,
          (id) => runRecord.positions.get(id),
          params.pagination,
          params.resolveData,
        );
      },
      async listByCorrelationId(params: ListEventsByCorrelationIdParams) {
        assertOpen();
        const all = store.byCorrelation.get(params.correlationId) ?? {
          events: [],
          positions: new Map(),
        };
        if (params.runId === undefined) {
          return eventPage(
            all.events,
            (id) => all.positions.get(id),
            params.pagination,
            params.resolveData,
          );
        }
        const runId = params.runId;
        const events = all.events.filter((event) => event.runId === runId);
        const positions = new Map(events.map((event, index) => [event.eventId, index]));
        return eventPage(events, (id) => positions.get(id), params.pagination, params.resolveData);
      },
    },
    hooks: {
      async get(hookId: string, params?: GetHookParams) {
        assertOpen();
        const hook = [...store.hooks.values()].find((candidate) => candidate.hookId === hookId);
        if (hook === undefined) throw new HookNotFoundError({ hookId });
        return structuredClone(hookForRead(hook, params?.resolveData));
      },
      async getByToken(token: string, params?: GetHookParams) {
        assertOpen();
        const holder = store.tokens.get(token);
        const hook = holder && store.hooks.get(`${holder.runId}/${holder.hookId}`);
        if (hook === undefined) throw new HookNotFoundError({ token });
        return structuredClone(hookForRead(hook, params?.resolveData));
      },
      async list(params: ListHooksParams) {
        assertOpen();
        return store.hooks.page(
          'hooks',
          params?.pagination,
          (hook) => params?.runId === undefined || hook.runId === params.runId,
          (hook) => structuredClone(hookForRead(hook, params?.resolveData)),
        );
      },
    },
  } as unknown as Storage;
  return storage;
}

function newRecord(state: RunState): RunRecord {
  return {
    state,
    events: [],
    positions: new Map(),
    steps: new OrderedIndex(),
    hooks: new Map(),
    hookEverCreated: new Set(),
    waits: new Map(),
  };
}

function indexByCorrelation(store: MemoryStore, event: Event): void {
  const key = event.correlationId!;
  let entry = store.byCorrelation.get(key);
  if (entry === undefined) {
    entry = { events: [], positions: new Map() };
    store.byCorrelation.set(key, entry);
  }
  entry.positions.set(event.eventId, entry.events.length);
  entry.events.push(event);
}

function deleteHook(store: MemoryStore, runRecord: RunRecord, hook: Hook): void {
  runRecord.hooks.delete(hook.hookId);
  store.hooks.delete(`${hook.runId}/${hook.hookId}`);
  const holder = store.tokens.get(hook.token);
  if (holder?.runId === hook.runId && holder.hookId === hook.hookId)
    store.tokens.delete(hook.token);
}

function findStep(store: MemoryStore, stepId: string): Step | undefined {
  for (const runRecord of store.runs.values()) {
    const step = runRecord.steps.get(stepId);
    if (step !== undefined) return step;
  }
  return undefined;
}
