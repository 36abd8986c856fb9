import { createHash } from 'node:crypto';
import {
  EntityNotFoundError,
  type Event,
  eventForRead,
  type GetHookParams,
  type Hook,
  HookNotFoundError,
  hookForRead,
  InvalidCursorError,
  isSafeId,
  type ListHooksParams,
  type ListWorkflowRunsParams,
  type PaginatedResponse,
  type PaginationOptions,
  pageOf,
  type ResolveData,
  runForRead,
  type Step,
  type Storage,
  stepForRead,
  type WorkflowRun,
  WorkflowRunNotFoundError,
} from '@worldkit/world';
import { createEvent } from './create-event.js';
import {
  eventFromRecord,
  type Fields,
  fieldsOfRecord,
  hookFromFields,
  runFromFields,
  stepFromFields,
} from './records.js';
import { type StoreContext, transport } from './store-context.js';

/** Lexicographic page of a sorted set whose members all have score 0. */
async function lexPage(
  store: StoreContext,
  key: string,
  cursor: string | undefined,
  order: 'asc' | 'desc',
  count: number,
): Promise<string[]> {
  const redis = store.redis();
  return order === 'asc'
    ? redis.zrange(key, cursor === undefined ? '-' : `(${cursor}`, '+', 'BYLEX', 'LIMIT', 0, count)
    : redis.zrange(
        key,
        cursor === undefined ? '+' : `(${cursor}`,
        '-',
        'BYLEX',
        'REV',
        'LIMIT',
        0,
        count,
      );
}

/** Member cursors are index members: printable, no control characters, bounded. */
function checkMemberCursor(cursor: string | undefined): void {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (cursor !== undefined && (cursor.length > 512 || /[\u0000-\u001f\u007f]/.test(cursor))) {
    throw new InvalidCursorError(cursor);
  }
}

/**
 * Pages through an index of members, resolving each to an item and keeping those `accept`s,
 * until the page is full; the cursor is the last returned member.
 */
async function pagedIndex<T>(
  store: StoreContext,
  key: string,
  pagination: { limit: number; sortOrder: 'asc' | 'desc'; cursor: string | undefined },
  resolve: (members: string[]) => Promise<(T | undefined)[]>,
): Promise<PaginatedResponse<T>> {
  checkMemberCursor(pagination.cursor);
  const items: { member: string; item: T }[] = [];
  let cursor = pagination.cursor;
  let exhausted = false;
  while (items.length <= pagination.limit && !exhausted) {
    const want = pagination.limit + 1 - items.length;
    const members = await lexPage(store, key, cursor, pagination.sortOrder, want);
    exhausted = members.length < want;
    if (members.length === 0) break;
    const resolved = await resolve(members);
    members.forEach((member, i) => {
      const item = resolved[i];
      if (item !== undefined) items.push({ member, item });
    });
    cursor = members.at(-1);
  }
  const hasMore = items.length > pagination.limit;
  const page = items.slice(0, pagination.limit);
  return {
    data: page.map((entry) => entry.item),
    cursor: hasMore ? page.at(-1)!.member : null,
    hasMore,
  };
}

async function hashes(store: StoreContext, keys: string[]): Promise<Fields[]> {
  const redis = store.redis();
  const records = await Promise.all(keys.map((key) => redis.hgetallBuffer(key)));
  return records.map(fieldsOfRecord);
}

export function tokenHash(token: string): string {
  return createHash('sha1').update(token).digest('hex');
}

export function createStorage(store: StoreContext): Storage {
  const { keys } = store;

  async function getRun(runId: string): Promise<WorkflowRun | undefined> {
    if (!isSafeId(runId)) return undefined;
    const fields = fieldsOfRecord(await store.redis().hgetallBuffer(keys.run(runId).run));
    return fields.size === 0 ? undefined : runFromFields(runId, fields);
  }

  async function runOfCorrelation(correlationId: string): Promise<string | undefined> {
    if (!isSafeId(correlationId)) return undefined;
    return (await store.redis().hget(keys.global.correlation, correlationId)) ?? undefined;
  }

  async function getHook(runId: string, hookId: string): Promise<Hook | undefined> {
    const fields = fieldsOfRecord(await store.redis().hgetallBuffer(keys.run(runId).hook(hookId)));
    return fields.size === 0 ? undefined : hookFromFields(runId, hookId, fields);
  }

  async function listEvents(
    runId: string | undefined,
    index: (runId: string) => string,
    pagination: PaginationOptions | undefined,
    resolveData: ResolveData | undefined,
  ): Promise<PaginatedResponse<Event>> {
    const page = pageOf('events', pagination);
    if (runId === undefined || !isSafeId(runId)) {
      if (page.cursor !== undefined) throw new InvalidCursorError(page.cursor);
      return { data: [], cursor: null, hasMore: false };
    }
    const result = await store.readEvents(
      runId,
      index(runId),
      page.cursor ?? null,
      page.sortOrder,
      page.limit,
    );
    if (result.badCursor) throw new InvalidCursorError(page.cursor!);
    const last = result.events.at(-1);
    return {
      data: result.events.map((event) => eventForRead(event, resolveData)),
      // "Strictly after this event": valid forever, non-null on the final page too.
      cursor: last?.eventId ?? page.cursor ?? null,
      hasMore: result.hasMore,
    };
  }

  const storage: Storage = {
    runs: {
      get: (async (id: string, params?: { resolveData?: ResolveData }) =>
        transport(async () => {
          const run = await getRun(id);
          if (run === undefined) throw new WorkflowRunNotFoundError(id);
          return runForRead(run, params?.resolveData);
        })) as Storage['runs']['get'],
      list: (async (params: ListWorkflowRunsParams = {}) =>
        transport(async () => {
          const page = pageOf('runs', params.pagination);
          const index =
            params.status === undefined
              ? keys.global.runs
              : keys.global.runsByStatus(params.status);
          return pagedIndex(store, index, page, async (runIds) => {
            const records = await hashes(
              store,
              runIds.map((runId) => keys.run(runId).run),
            );
            return records.map((fields, i) => {
              if (fields.size === 0) return undefined;
              const run = runFromFields(runIds[i]!, fields);
              if (params.status !== undefined && run.status !== params.status) return undefined;
              if (params.workflowName !== undefined && run.workflowName !== params.workflowName)
                return undefined;
              return runForRead(run, params.resolveData);
            });
          });
        })) as Storage['runs']['list'],
    },

    steps: {
      get: (async (
        runId: string | undefined,
        stepId: string,
        params?: { resolveData?: ResolveData },
      ) =>
        transport(async () => {
          const owner = runId ?? (await runOfCorrelation(stepId));
          if (owner === undefined || !isSafeId(owner) || !isSafeId(stepId))
            throw new EntityNotFoundError('step', stepId);
          const fields = fieldsOfRecord(
            await store.redis().hgetallBuffer(keys.run(owner).step(stepId)),
          );
          if (fields.size === 0) throw new EntityNotFoundError('step', stepId);
          return stepForRead(stepFromFields(owner, stepId, fields), params?.resolveData);
        })) as Storage['steps']['get'],
      list: (async (params: {
        runId: string;
        pagination?: PaginationOptions;
        resolveData?: ResolveData;
      }) =>
        transport(async () => {
          const page = pageOf('steps', params.pagination);
          if (!isSafeId(params.runId)) return { data: [], cursor: null, hasMore: false };
          const runKeys = keys.run(params.runId);
          return pagedIndex<Step>(store, runKeys.steps, page, async (members) => {
            const stepIds = members.map((member) => member.slice(member.indexOf(' ') + 1));
            const records = await hashes(store, stepIds.map(runKeys.step));
            return records.map((fields, i) =>
              fields.size === 0
                ? undefined
                : stepForRead(
                    stepFromFields(params.runId, stepIds[i]!, fields),
                    params.resolveData,
                  ),
            );
          });
        })) as Storage['steps']['list'],
    },

    events: {
      create: ((runId: unknown, data: unknown, params: unknown) =>
        transport(() => createEvent(store, runId, data, params))) as Storage['events']['create'],
      get: (runId, eventId, params) =>
        transport(async () => {
          if (!isSafeId(runId) || !isSafeId(eventId))
            throw new EntityNotFoundError('event', eventId);
          const record = await store.redis().hgetBuffer(keys.run(runId).events, eventId);
          if (record === null) throw new EntityNotFoundError('event', eventId);
          return eventForRead(eventFromRecord(runId, eventId, record), params?.resolveData);
        }),
      list: (params) =>
        transport(() =>
          listEvents(
            params.runId,
            (runId) => keys.run(runId).eventOrder,
            params.pagination,
            params.resolveData,
          ),
        ),
      listByCorrelationId: (params) =>
        transport(async () => {
          const page = pageOf('events', params.pagination);
          const runId = params.runId ?? (await runOfCorrelation(params.correlationId));
          if (runId === undefined || !isSafeId(runId)) {
            if (page.cursor !== undefined) throw new InvalidCursorError(page.cursor);
            return { data: [], cursor: null, hasMore: false };
          }
          // Correlation ids have a handful of events each: filter the run's log (an
          // observability read the runtime never makes) instead of indexing every event twice.
          const { events } = await store.readWholeLog(runId);
          const matching = events.filter((event) => event.correlationId === params.correlationId);
          if (page.sortOrder === 'desc') matching.reverse();
          let start = 0;
          if (page.cursor !== undefined) {
            const at = events.findIndex((event) => event.eventId === page.cursor);
            if (at < 0) throw new InvalidCursorError(page.cursor);
            const after = (event: Event) =>
              page.sortOrder === 'asc'
                ? event.eventId > page.cursor!
                : event.eventId < page.cursor!;
            start = matching.findIndex(after);
            if (start < 0) start = matching.length;
          }
          const data = matching.slice(start, start + page.limit);
          return {
            data: data.map((event) => eventForRead(event, params.resolveData)),
            cursor: data.at(-1)?.eventId ?? page.cursor ?? null,
            hasMore: start + page.limit < matching.length,
          };
        }),
    },

    hooks: {
      get: (hookId: string, params?: GetHookParams) =>
        transport(async () => {
          const runId = await runOfCorrelation(hookId);
          const hook = runId === undefined ? undefined : await getHook(runId, hookId);
          if (hook === undefined) throw new HookNotFoundError({ hookId });
          return hookForRead(hook, params?.resolveData);
        }),
      getByToken: (token: string, params?: GetHookParams) =>
        transport(async () => {
          const holder =
            typeof token === 'string'
              ? await store.redis().get(keys.global.token(tokenHash(token)))
              : null;
          const [runId, hookId] = holder?.split(' ') ?? [];
          const hook =
            runId === undefined || hookId === undefined ? undefined : await getHook(runId, hookId);
          if (hook === undefined || hook.token !== token) throw new HookNotFoundError({ token });
          return hookForRead(hook, params?.resolveData);
        }),
      list: (params: ListHooksParams) =>
        transport(async () => {
          const page = pageOf('hooks', params.pagination);
          const { runId } = params;
          if (runId !== undefined && !isSafeId(runId))
            return { data: [], cursor: null, hasMore: false };
          const index = runId === undefined ? keys.global.hooks : keys.run(runId).hooks;
          return pagedIndex<Hook>(store, index, page, async (members) => {
            const owners = members.map((member) => {
              const parts = member.split(' ');
              return runId === undefined
                ? { runId: parts[1]!, hookId: parts[2]! }
                : { runId, hookId: parts[1]! };
            });
            const hooks = await Promise.all(
              owners.map((owner) => getHook(owner.runId, owner.hookId)),
            );
            return hooks.map((hook) =>
              hook === undefined ? undefined : hookForRead(hook, params.resolveData),
            );
          });
        }),
    },
  };
  return storage;
}
