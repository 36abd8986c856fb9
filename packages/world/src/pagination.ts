import { InvalidInputError } from './errors.js';
import { MAX_PAGE_SIZE, type PaginationOptions } from './schemas/shared.js';

/**
 * Page sizes and orders every World uses when a caller does not say. Events default to a large
 * page because the runtime loads a run's whole log without a limit on every replay.
 */
export const DEFAULT_PAGE_SIZE = {
  runs: 100,
  steps: 100,
  hooks: 100,
  events: 1000,
  streamChunks: 100,
} as const;

export const DEFAULT_SORT_ORDER = {
  runs: 'desc',
  steps: 'desc',
  hooks: 'asc',
  events: 'asc',
} as const;

export type ListKind = keyof typeof DEFAULT_SORT_ORDER;

/** The effective page size and order of a list call; refuses a limit that is not a positive integer. */
export function pageOf(
  kind: ListKind,
  pagination: PaginationOptions | undefined,
): {
  limit: number;
  sortOrder: 'asc' | 'desc';
  cursor: string | undefined;
} {
  const limit = pagination?.limit;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    throw new InvalidInputError('pagination.limit', 'expected a positive integer');
  }
  const sortOrder = pagination?.sortOrder ?? DEFAULT_SORT_ORDER[kind];
  if (sortOrder !== 'asc' && sortOrder !== 'desc') {
    throw new InvalidInputError('pagination.sortOrder', 'expected "asc" or "desc"');
  }
  return {
    limit: Math.min(limit ?? DEFAULT_PAGE_SIZE[kind], MAX_PAGE_SIZE),
    sortOrder,
    cursor: pageCursor(pagination?.cursor),
  };
}

/**
 * The cursor a list starts after, or `undefined` for the first page. The SDK's own tools ask for
 * the first page with an empty cursor (`workflow inspect` defaults `--cursor` to `""`) and HTTP
 * clients may send `null`: both mean "from the start", never an invalid cursor.
 */
export function pageCursor(cursor: string | null | undefined): string | undefined {
  return cursor === '' || cursor === null ? undefined : cursor;
}
