import { InvalidInputError } from './errors.js';
import { DEFAULT_PAGE_SIZE, pageCursor } from './pagination.js';
import { MAX_PAGE_SIZE } from './schemas/shared.js';
import type { GetChunksOptions } from './schemas/streams.js';

const utf8 = new TextEncoder();

/**
 * A chunk given to `writeToStream`/`writeToStreamMulti` as bytes: a string is UTF-8 encoded (into
 * a fresh `Uint8Array`), a `Uint8Array` is used as it is, anything else is refused under `field`.
 */
export function streamChunkBytes(chunk: unknown, field = 'chunk'): Uint8Array {
  if (typeof chunk === 'string') return utf8.encode(chunk);
  if (chunk instanceof Uint8Array) return chunk;
  throw new InvalidInputError(field, 'expected a string or a Uint8Array');
}

/** Refuses a `readFromStream` start that is not an integer (a negative one counts from the end). */
export function assertStreamStartIndex(startIndex: unknown): asserts startIndex is number {
  if (!Number.isInteger(startIndex)) {
    throw new InvalidInputError('startIndex', 'expected an integer');
  }
}

/**
 * The size and start of one `getStreamChunks` page: refuses a limit that is not a positive
 * integer; an empty cursor is the first page, as for every list (`pageCursor`).
 */
export function streamChunkPage(options: GetChunksOptions): {
  limit: number;
  cursor: string | undefined;
} {
  const limit = options.limit ?? DEFAULT_PAGE_SIZE.streamChunks;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new InvalidInputError('limit', 'expected a positive integer');
  }
  return { limit: Math.min(limit, MAX_PAGE_SIZE), cursor: pageCursor(options.cursor) };
}
