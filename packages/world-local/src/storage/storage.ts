import {
  createBatchWith,
  EntityNotFoundError,
  type Event,
  eventForRead,
  type Hook,
  HookNotFoundError,
  hookForRead,
  InvalidCursorError,
  InvalidInputError,
  isSafeId,
  isTerminalRunStatus,
  type PaginatedResponse,
  pageOf,
  runForRead,
  type Storage,
  stepForRead,
  validateCreateEvent,
  type WorkflowRun,
  WorkflowRunNotFoundError,
} from '@worldkit/world';
import type { Indexes } from './indexes.js';
import type { MaterializedRun } from './materialized-run.js';
import { RunOrder } from './run-order.js';
import type { RunStore } from './run-store.js';

/**
 * The `Storage` half of the World: `events.create` validates and hands over to the run store's
 * critical section; every read goes to one run's materialized state through a direct lookup
 * (a run id, or an index file naming the run) and returns fresh copies.
 */
export function createStorage(store: RunStore, indexes: Indexes): Storage {
  const runsInOrder = new RunOrder(indexes);

  const requireRun = (runId: string): MaterializedRun => {
    const run = optionalRun(runId);
    if (run === undefined) throw new WorkflowRunNotFoundError(runId);
    return run;
  };

  // An id that could not have been written (it would not be a safe file name) names nothing:
  // reads answer "not found" without it ever reaching a path.
  const optionalRun = (runId: string): MaterializedRun | undefined =>
    isSafeId(runId) ? store.read(runId) : undefined;

  const storage: Storage = {
    runs: {
      async get(id: string, params?: { resolveData?: 'all' | 'none' }) {
        return copy(runForRead(requireRun(id).state!.run, params?.resolveData)) as any;
      },
      async list(params?: {
        workflowName?: string;
        status?: WorkflowRun['status'];
        pagination?: { limit?: number; cursor?: string; sortOrder?: 'asc' | 'desc' };
        resolveData?: 'all' | 'none';
      }) {
        const { limit, sortOrder, cursor } = pageOf('runs', params?.pagination);
        const status = params?.status;
        const workflowName = params?.workflowName;
        runsInOrder.refresh();
        const after = cursor === undefined ? undefined : runsInOrder.positionOf(cursor);
        if (cursor !== undefined && after === undefined) throw new InvalidCursorError(cursor);
        const runIds = runsInOrder.walk({
          sortOrder,
          after,
          workflowName,
          activeOnly: status !== undefined && !isTerminalRunStatus(status),
        });
        const data: WorkflowRun[] = [];
        let hasMore = false;
        for (const runId of runIds) {
          const run = store.read(runId)?.state?.run;
          if (run === undefined) continue;
          if (status !== undefined && run.status !== status) continue;
          if (workflowName !== undefined && run.workflowName !== workflowName) continue;
          if (data.length === limit) {
            hasMore = true;
            break;
          }
          data.push(copy(runForRead(run, params?.resolveData)));
        }
        return { data, cursor: hasMore ? data.at(-1)!.runId : null, hasMore } as any;
      },
    },

    steps: {
      async get(runId: string | undefined, stepId: string, params?: { resolveData?: any }) {
        if (!isSafeId(stepId)) throw new EntityNotFoundError('step', String(stepId));
        const candidates = runId === undefined ? indexes.runsOfCorrelation(stepId) : [runId];
        for (const candidate of candidates) {
          const step = optionalRun(candidate)?.steps.get(stepId);
          if (step !== undefined) return copy(stepForRead(step, params?.resolveData)) as any;
        }
        throw new EntityNotFoundError('step', stepId);
      },
      async list(params: {
        runId: string;
        pagination?: { limit?: number; cursor?: string; sortOrder?: 'asc' | 'desc' };
        resolveData?: any;
      }) {
        const { limit, sortOrder, cursor } = pageOf('steps', params.pagination);
        const steps = [...(optionalRun(params.runId)?.steps.values() ?? [])];
        if (sortOrder === 'desc') steps.reverse();
        const page = pageAfterId(steps, (step) => step.stepId, cursor, limit);
        return {
          data: page.items.map((step) => copy(stepForRead(step, params.resolveData))),
          cursor: page.hasMore ? page.items.at(-1)!.stepId : null,
          hasMore: page.hasMore,
        } as any;
      },
    },

    events: {
      async create(runId: string | null, data: any, params?: any) {
        return store.commit(validateCreateEvent(runId, data, params));
      },
      createBatch: createBatchWith(
        (appends) => store.commitBatch(appends[0]!.runId, appends),
        (params) => storage.events.listByCorrelationId(params),
      ),
      async get(runId, eventId, params) {
        const run = optionalRun(runId);
        const at = run?.indexOfEvent(String(eventId)) ?? -1;
        if (run === undefined || at < 0) throw new EntityNotFoundError('event', String(eventId));
        return copy(eventForRead(run.events[at]!, params?.resolveData));
      },
      async list(params) {
        const { limit, sortOrder, cursor } = pageOf('events', params.pagination);
        const run = optionalRun(params.runId);
        const events = run?.events ?? [];
        let start = 0;
        if (cursor !== undefined) {
          const at = run?.indexOfEvent(cursor) ?? -1;
          if (at < 0) throw new InvalidCursorError(cursor);
          start = sortOrder === 'asc' ? at + 1 : events.length - at;
        }
        const ordered = sortOrder === 'asc' ? events : events.slice().reverse();
        const items = ordered.slice(start, start + limit);
        const hasMore = start + limit < ordered.length;
        return {
          data: items.map((event) => copy(eventForRead(event, params.resolveData))),
          // The cursor means "after this event" and stays valid; the last page keeps one too.
          cursor: items.at(-1)?.eventId ?? cursor ?? null,
          hasMore,
        };
      },
      async listByCorrelationId(params) {
        if (!isSafeId(params.correlationId)) return { data: [], cursor: null, hasMore: false };
        const { limit, sortOrder, cursor } = pageOf('events', params.pagination);
        const runIds =
          params.runId === undefined
            ? indexes.runsOfCorrelation(params.correlationId)
            : [params.runId];
        const matches: Event[] = [];
        for (const runId of runIds) {
          for (const event of optionalRun(runId)?.events ?? []) {
            if (event.correlationId === params.correlationId) matches.push(event);
          }
        }
        matches.sort(compareEvents);
        if (sortOrder === 'desc') matches.reverse();
        const after = cursor === undefined ? undefined : parseEventKey(cursor);
        const start =
          after === undefined
            ? 0
            : matches.findIndex((event) => {
                const order = compareEvents(event, after);
                return sortOrder === 'asc' ? order > 0 : order < 0;
              });
        const from = start < 0 ? matches.length : start;
        const items = matches.slice(from, from + limit);
        const last = items.at(-1);
        return {
          data: items.map((event) => copy(eventForRead(event, params.resolveData))),
          cursor: last === undefined ? (cursor ?? null) : eventKey(last),
          hasMore: from + limit < matches.length,
        };
      },
    },

    hooks: {
      async get(hookId, params) {
        if (!isSafeId(hookId)) throw new HookNotFoundError({ hookId: String(hookId) });
        for (const runId of indexes.runsOfCorrelation(hookId)) {
          const hook = optionalRun(runId)?.hooks.get(hookId);
          if (hook !== undefined) return copy(hookForRead(hook, params?.resolveData));
        }
        throw new HookNotFoundError({ hookId });
      },
      async getByToken(token, params) {
        if (typeof token !== 'string' || token.length === 0) {
          throw new InvalidInputError('token', 'expected a non-empty string');
        }
        const claim = indexes.readClaim(token);
        const hook =
          claim && claim.runId !== ''
            ? optionalRun(claim.runId)?.hooks.get(claim.hookId)
            : undefined;
        if (hook === undefined || hook.token !== token) throw new HookNotFoundError({ token });
        return copy(hookForRead(hook, params?.resolveData));
      },
      async list(params) {
        const { limit, sortOrder, cursor } = pageOf('hooks', params.pagination);
        if (params.runId === undefined) runsInOrder.refresh();
        const runIds =
          params.runId === undefined
            ? runsInOrder.walk({ sortOrder: 'asc', activeOnly: true })
            : [params.runId];
        // Hooks in creation order: by their hook_created event (ids increase along a run's log).
        const hooks: Array<{ hook: Hook; key: EventKey }> = [];
        for (const runId of runIds) {
          const run = optionalRun(runId);
          for (const hook of run?.hooks.values() ?? []) {
            hooks.push({ hook, key: { eventId: run!.hooksEverCreated.get(hook.hookId)!, runId } });
          }
        }
        hooks.sort((a, b) => compareEvents(a.key, b.key));
        if (sortOrder === 'desc') hooks.reverse();
        const after = cursor === undefined ? undefined : parseEventKey(cursor);
        const start =
          after === undefined
            ? 0
            : hooks.findIndex(({ key }) => {
                const order = compareEvents(key, after);
                return sortOrder === 'asc' ? order > 0 : order < 0;
              });
        const from = start < 0 ? hooks.length : start;
        const items = hooks.slice(from, from + limit);
        const hasMore = from + limit < hooks.length;
        return {
          data: items.map(({ hook }) => copy(hookForRead(hook, params.resolveData))),
          cursor: hasMore ? eventKey(items.at(-1)!.key) : null,
          hasMore,
        } satisfies PaginatedResponse<Hook>;
      },
    },
  };
  return storage;
}

/** Reads hand out copies: callers may mutate what they get without touching the cache. */
function copy<T>(value: T): T {
  return structuredClone(value);
}

function pageAfterId<T>(
  items: T[],
  idOf: (item: T) => string,
  cursor: string | undefined,
  limit: number,
): { items: T[]; hasMore: boolean } {
  let start = 0;
  if (cursor !== undefined) {
    const at = items.findIndex((item) => idOf(item) === cursor);
    if (at < 0) throw new InvalidCursorError(cursor);
    start = at + 1;
  }
  return { items: items.slice(start, start + limit), hasMore: start + limit < items.length };
}

interface EventKey {
  eventId: string;
  runId: string;
}

function compareEvents(a: EventKey, b: EventKey): number {
  if (a.eventId !== b.eventId) return a.eventId < b.eventId ? -1 : 1;
  return a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0;
}

function eventKey(event: EventKey): string {
  return `${event.eventId}.${event.runId}`;
}

function parseEventKey(cursor: string): EventKey {
  const [eventId, runId, ...rest] = cursor.split('.');
  if (!eventId || !runId || rest.length > 0) throw new InvalidCursorError(cursor);
  return { eventId, runId };
}
