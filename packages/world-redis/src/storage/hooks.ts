import { createHash } from 'node:crypto';
import {
  type GetHookParams,
  type Hook,
  HookNotFoundError,
  hookForRead,
  isSafeId,
  type ListHooksParams,
  pageOf,
  type Storage,
} from '@worldkit/world';
import { type StoreContext, transport } from '../store-context.js';
import { runOfCorrelation } from './correlation.js';
import { readEntities, readEntity } from './hashes.js';
import { emptyPage, isGlobalHookMember, isRunMember, lexIndex, pagedIndex } from './indexes.js';
import { hookFromFields } from './records.js';

/** The key part of a hook token: its SHA-1, as `createEvent.lua` computes it (`redis.sha1hex`). */
function tokenHash(token: string): string {
  return createHash('sha1').update(token).digest('hex');
}

/**
 * `hooks.get` (through the correlation directory), `hooks.getByToken` (through the token keys)
 * and `hooks.list` (a run's hooks, or every active hook), in creation order.
 */
export function hookReads(store: StoreContext): Storage['hooks'] {
  const { keys } = store;

  function getHook(runId: string, hookId: string): Promise<Hook | undefined> {
    return readEntity(store, keys.run(runId).hook(hookId), (fields) =>
      hookFromFields(runId, hookId, fields),
    );
  }

  return {
    get: (hookId: string, params?: GetHookParams) =>
      transport(async () => {
        const runId = await runOfCorrelation(store, hookId);
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
        if (runId !== undefined && !isSafeId(runId)) return emptyPage<Hook>(page.cursor);
        const index =
          runId === undefined
            ? lexIndex(store, keys.global.hooks, page.sortOrder, isGlobalHookMember)
            : lexIndex(store, keys.run(runId).hooks, page.sortOrder, isRunMember);
        return pagedIndex<Hook>(index, page.limit, page.cursor, (members) => {
          const owners = members.map((member) => {
            const parts = member.split(' ');
            return runId === undefined
              ? { runId: parts[1]!, hookId: parts[2]! }
              : { runId, hookId: parts[1]! };
          });
          return readEntities(
            store,
            owners.map((owner) => keys.run(owner.runId).hook(owner.hookId)),
            (fields, i) =>
              hookForRead(
                hookFromFields(owners[i]!.runId, owners[i]!.hookId, fields),
                params.resolveData,
              ),
          );
        });
      }),
  };
}
