import {
  InvalidCursorError,
  isPrefixedUlid,
  isSafeId,
  type PaginatedResponse,
} from '@worldkit/world';
import type { StoreContext } from '../store-context.js';

/**
 * Paging through the sorted sets that index runs, steps and hooks. A cursor means "strictly
 * after this entry", so it stays valid while entries are added or removed.
 */

/** One entry of an index page: the member and the cursor that means "strictly after it". */
interface IndexEntry {
  member: string;
  cursor: string;
}

type IndexFetcher = (after: string | undefined, count: number) => Promise<IndexEntry[]>;

type Order = 'asc' | 'desc';

/** The first and last bound of a range over a whole sorted set, by member or by score. */
const WHOLE_RANGE = { BYLEX: ['-', '+'], BYSCORE: ['-inf', '+inf'] } as const;

/** Up to `count` entries strictly after `after` (from the start without it), in `order`. */
function rangeAfter(
  store: StoreContext,
  key: string,
  by: keyof typeof WHOLE_RANGE,
  order: Order,
  after: string | undefined,
  count: number,
  withScores: boolean,
): Promise<string[]> {
  const [lowest, highest] = WHOLE_RANGE[by];
  const [start, stop] = order === 'asc' ? [lowest, highest] : [highest, lowest];
  const args: (string | number)[] = [key, after === undefined ? start : `(${after}`, stop, by];
  if (order === 'desc') args.push('REV');
  args.push('LIMIT', 0, count);
  if (withScores) args.push('WITHSCORES');
  return store.redis().call('ZRANGE', ...args) as Promise<string[]>;
}

/**
 * An index whose members all have score 0, in lexicographic order (members start with the
 * creation event id, so that is creation order); the cursor is the member itself, refused unless
 * `isMember` accepts it.
 */
export function lexIndex(
  store: StoreContext,
  key: string,
  order: Order,
  isMember: (cursor: string) => boolean,
): IndexFetcher {
  return async (after, count) => {
    if (after !== undefined && !isMember(after)) throw new InvalidCursorError(after);
    const members = await rangeAfter(store, key, 'BYLEX', order, after, count, false);
    return members.map((member) => ({ member, cursor: member }));
  };
}

/** An index scored by a unique, increasing number; the cursor is the score. */
export function scoreIndex(store: StoreContext, key: string, order: Order): IndexFetcher {
  return async (after, count) => {
    if (after !== undefined && !/^[0-9]{1,15}$/.test(after)) throw new InvalidCursorError(after);
    const flat = await rangeAfter(store, key, 'BYSCORE', order, after, count, true);
    const entries: IndexEntry[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2)
      entries.push({ member: flat[i]!, cursor: flat[i + 1]! });
    return entries;
  };
}

/** A member `<createdEventId> <id> …` with `ids` safe ids after the event id. */
function isIndexMember(value: string, ids: number): boolean {
  const [eventId, ...rest] = value.split(' ');
  return isPrefixedUlid(eventId!, 'event') && rest.length === ids && rest.every(isSafeId);
}

/** Members `<createdEventId> <entityId>` of a run's steps and hooks. */
export const isRunMember = (value: string) => isIndexMember(value, 1);

/** Members `<createdEventId> <runId> <hookId>` of the global hooks index. */
export const isGlobalHookMember = (value: string) => isIndexMember(value, 2);

/**
 * Pages through an index, resolving members to items and keeping those `resolve` returns, until
 * the page is full.
 */
export async function pagedIndex<T>(
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

/**
 * The list of an owner whose id cannot exist (not a safe id): empty, and a cursor cannot belong
 * to it, so only the first page may be asked for.
 */
export function emptyPage<T>(cursor: string | undefined): PaginatedResponse<T> {
  if (cursor !== undefined) throw new InvalidCursorError(cursor);
  return { data: [], cursor: null, hasMore: false };
}
