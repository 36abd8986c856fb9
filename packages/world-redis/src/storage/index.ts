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
import { type StoreContext, transport } from '../store-context.js';
import { createEvent } from './create-event.js';
import {
  eventFromRecord,
  type Fields,
  fieldsOfRecord,
  hookFromFields,
  runFromFields,
  stepFromFields,
} from './records.js';

/** One entry of an index page: the member and the cursor that means "strictly after it". */
interface IndexEntry {
  member: string;
  cursor: string;
}

type IndexFetcher = (after: string | undefined, count: number) => Promise<IndexEntry[]>;

/**
 * An index whose members all have score 0, in lexicographic order (members start with the
 * creation event id, so that is creation order); the cursor is the member itself.
 */
function lexIndex(
  store: StoreContext,
  key: string,
  order: 'asc' | 'desc',
  pattern: RegExp,
): IndexFetcher {
  return async (after, count) => {
    if (after !== undefined && !pattern.test(after)) throw new InvalidCursorError(after);
    const redis = store.redis();
    const members =
      order === 'asc'
        ? await redis.zrange(
            key,
            after === undefined ? '-' : `(${after}`,
            '+',
            'BYLEX',
            'LIMIT',
            0,
            count,
          )
        : await redis.zrange(
            key,
            after === undefined ? '+' : `(${after}`,
            '-',
            'BYLEX',
            'REV',
            'LIMIT',
            0,
            count,
          );
    return members.map((member) => ({ member, cursor: member }));
  };
}

/** An index scored by a unique, increasing number; the cursor is the score. */
function scoreIndex(store: StoreContext, key: string, order: 'asc' | 'desc'): IndexFetcher {
  return async (after, count) => {
    if (after !== undefined && !/^[0-9]{1,15}$/.test(after)) throw new InvalidCursorError(after);
    const redis = store.redis();
    const flat =
      order === 'asc'
        ? await redis.zrange(
            key,
            after === undefined ? '-inf' : `(${after}`,
            '+inf',
            'BYSCORE',
            'LIMIT',
            0,
            count,
            'WITHSCORES',
          )
        : await redis.zrange(
            key,
            after === undefined ? '+inf' : `(${after}`,
            '-inf',
            'BYSCORE',
            'REV',
            'LIMIT',
            0,
            count,
            'WITHSCORES',
          );
    const entries: IndexEntry[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2)
      entries.push({ member: flat[i]!, cursor: flat[i + 1]! });
    return entries;
  };
}

const ID = '[A-Za-z0-9_-]{1,128}';
const EVENT_ID = 'evnt_[0-9A-HJKMNP-TV-Z]{26}';
/** Members `<createdEventId> <entityId>` of a run's steps and hooks. */
const RUN_MEMBER = new RegExp(`^${EVENT_ID} ${ID}$`);
/** Members `<createdEventId> <runId> <hookId>` of the global hooks index. */
const GLOBAL_HOOK_MEMBER = new RegExp(`^${EVENT_ID} ${ID} ${ID}$`);

/**
 * Pages through an index, resolving members to items and keeping those `resolve` returns, until
 * the page is full.
 */
async function pagedIndex<T>(
  fetch: IndexFetcher,
  limit: number,
  cursor: string | undefined,
  resolve: (members: string[]) => Promise<(T | undefined)[]>,
): Promise<PaginatedResponse<T>> {
  const items: { cursor: string; item: T }[] = [];
  let after = cursor;
  let exhausted = false;
  while (items.length <= limit && !exhausted) {
    const want = limit + 1 - items.length;
    const entries = await fetch(after, want);
    exhausted = entries.length < want;
    if (entries.length === 0) break;
    const resolved = await resolve(entries.map((entry) => entry.member));
    entries.forEach((entry, i) => {
      const item = resolved[i];
      if (item !== undefined) items.push({ cursor: entry.cursor, item });
    });
    after = entries.at(-1)!.cursor;
  }
  const hasMore = items.length > limit;
  const page = items.slice(0, limit);
  return {
    data: page.map((entry) => entry.item),
    cursor: hasMore ? page.at(-1)!.cursor : null,
    hasMore,
  };
}

async function hashes(store: StoreContext, keys: string[]): Promise<Fields[]> {
  const redis = store.redis();
  const records = await Promise.all(keys.map((key) => redis.hgetallBuffer(key)));
  return records.map(fieldsOfRecord);
}

/** The key part of a hook token: its SHA-1, as `createEvent.lua` computes it (`redis.sha1hex`). */
function tokenHash(token: string): string {
  return createHash('sha1').update(token).digest('hex');
}

export function createStorage(store: StoreContext): Storage {
  const { keys } = store;

  async function getRun(runId: string): Promise<WorkflowRun | undefined> {
    if (!isSafeId(runId)) return undefined;
    const fields = fieldsOfRecord(await store.redis().hgetallBuffer(keys.run(runId).run));
    return fields.size === 0 ? undefined : runFromFields(runId, fields);
  }

  /** The runs that used a correlation id, first user first. */
  async function runsOfCorrelation(correlationId: string): Promise<string[]> {
    if (!isSafeId(correlationId)) return [];
    const owners = await store.redis().hget(keys.global.correlation, correlationId);
    return owners === null ? [] : owners.split(' ');
  }

  async function runOfCorrelation(correlationId: string): Promise<string | undefined> {
    return (await runsOfCorrelation(correlationId))[0];
  }

  async function getHook(runId: string, hookId: string): Promise<Hook | undefined> {
    const fields = fieldsOfRecord(await store.redis().hgetallBuffer(keys.run(runId).hook(hookId)));
    return fields.size === 0 ? undefined : hookFromFields(runId, hookId, fields);
  }

  async function listEvents(
    runId: string | undefined,
    pagination: PaginationOptions | undefined,
    resolveData: ResolveData | undefined,
  ): Promise<PaginatedResponse<Event>> {
    const page = pageOf('events', pagination);
    if (runId === undefined || !isSafeId(runId)) {
      if (page.cursor !== undefined) throw new InvalidCursorError(page.cursor);
      return { data: [], cursor: null, hasMore: false };
    }
    const result = await store.readEvents(runId, page.cursor ?? null, page.sortOrder, page.limit);
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
          return pagedIndex(
            scoreIndex(store, index, page.sortOrder),
            page.limit,
            page.cursor,
            async (runIds) => {
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
            },
          );
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
          if (!isSafeId(params.runId)) {
            if (page.cursor !== undefined) throw new InvalidCursorError(page.cursor);
            return { data: [], cursor: null, hasMore: false };
          }
          const runKeys = keys.run(params.runId);
          const index = lexIndex(store, runKeys.steps, page.sortOrder, RUN_MEMBER);
          return pagedIndex<Step>(index, page.limit, page.cursor, async (members) => {
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
        transport(() => listEvents(params.runId, params.pagination, params.resolveData)),
      listByCorrelationId: (params) =>
        transport(async () => {
          const page = pageOf('events', params.pagination);
          const owners =
            params.runId === undefined
              ? await runsOfCorrelation(params.correlationId)
              : isSafeId(params.runId)
                ? [params.runId]
                : [];
          // Correlation ids have a handful of events each: filter the owners' logs (an
          // observability read the runtime never makes) instead of indexing every event twice.
          const logs = await Promise.all(owners.map((owner) => store.readWholeLog(owner)));
          const all = logs.flatMap((log) => log.events);
          const matching = all
            .filter((event) => event.correlationId === params.correlationId)
            .sort((a, b) => (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
          if (page.sortOrder === 'desc') matching.reverse();
          let start = 0;
          const { cursor } = page;
          if (cursor !== undefined) {
            if (!all.some((event) => event.eventId === cursor))
              throw new InvalidCursorError(cursor);
            const after = (event: Event) =>
              page.sortOrder === 'asc' ? event.eventId > cursor : event.eventId < cursor;
            start = matching.findIndex(after);
            if (start < 0) start = matching.length;
          }
          const data = matching.slice(start, start + page.limit);
          return {
            data: data.map((event) => eventForRead(event, params.resolveData)),
            cursor: data.at(-1)?.eventId ?? cursor ?? null,
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
          if (runId !== undefined && !isSafeId(runId)) {
            if (page.cursor !== undefined) throw new InvalidCursorError(page.cursor);
            return { data: [], cursor: null, hasMore: false };
          }
          const index =
            runId === undefined
              ? lexIndex(store, keys.global.hooks, page.sortOrder, GLOBAL_HOOK_MEMBER)
              : lexIndex(store, keys.run(runId).hooks, page.sortOrder, RUN_MEMBER);
          return pagedIndex<Hook>(index, page.limit, page.cursor, async (members) => {
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
