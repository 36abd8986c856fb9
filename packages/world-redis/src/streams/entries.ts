import type { StoreContext } from '../store-context.js';

/**
 * How a stream is stored: one Redis Stream entry per chunk, id `0-<index + 1>`, field `d` (the
 * bytes); the EOF entry written on close has the field `eof`.
 */
export type StreamEntry = [id: Buffer, fields: Buffer[]];

/** A chunk's position from its entry id `0-<index + 1>`. */
export function sequenceOf(entryId: Buffer): number {
  const text = entryId.toString();
  return Number(text.slice(text.indexOf('-') + 1));
}

/** The entries from `start` to `end` (entry ids, inclusive), byte-exact, at most `count`. */
export async function readEntries(
  store: StoreContext,
  name: string,
  start: string,
  end: string,
  count?: number,
): Promise<StreamEntry[]> {
  const key = store.keys.stream(name).chunks;
  const redis = store.redis();
  const entries =
    count === undefined
      ? await redis.xrangeBuffer(key, start, end)
      : await redis.xrangeBuffer(key, start, end, 'COUNT', count);
  // ioredis types the entry id and field list as Buffers only loosely.
  return entries as unknown as StreamEntry[];
}
