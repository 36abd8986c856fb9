import type { StoreContext } from '../store-context.js';
import { type Fields, fieldsOfRecord } from './records.js';

/** The entity stored in the hash `key`, decoded, or undefined when the hash does not exist. */
export async function readEntity<T>(
  store: StoreContext,
  key: string,
  decode: (fields: Fields) => T,
): Promise<T | undefined> {
  const fields = fieldsOfRecord(await store.redis().hgetallBuffer(key));
  return fields.size === 0 ? undefined : decode(fields);
}

/**
 * The entities stored in several hashes, read concurrently and decoded with their position;
 * undefined where a hash does not exist (deleted since its index entry was read).
 */
export async function readEntities<T>(
  store: StoreContext,
  keys: string[],
  decode: (fields: Fields, index: number) => T | undefined,
): Promise<(T | undefined)[]> {
  const redis = store.redis();
  const records = await Promise.all(keys.map((key) => redis.hgetallBuffer(key)));
  return records.map((record, i) => {
    const fields = fieldsOfRecord(record);
    return fields.size === 0 ? undefined : decode(fields, i);
  });
}
