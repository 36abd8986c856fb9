/**
 * The JSON form of stored values, for places that only carry JSON (HTTP bodies, JSON columns,
 * text files). Plain JSON turns a `Uint8Array` into `{"0":…}` and a `Date` into a string, so
 * both travel in tagged envelopes; a plain object that happens to use the tag key is wrapped too,
 * so every value round-trips exactly.
 */

const TAG = '$wk';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Converts a value to JSON-safe data (bytes as base64, dates as epoch ms). */
export function toJsonSafe(value: unknown): Json {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'bigint') throw new TypeError('bigint values cannot be stored');
    return value === undefined ? null : (value as Json);
  }
  if (value instanceof Uint8Array) {
    return {
      [TAG]: 'bytes',
      base64: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64'),
    };
  }
  if (value instanceof Date) return { [TAG]: 'date', ms: value.getTime() };
  if (Array.isArray(value)) return value.map(toJsonSafe);
  const out: Record<string, Json> = {};
  for (const [key, field] of Object.entries(value)) {
    if (field !== undefined) out[key] = toJsonSafe(field);
  }
  return TAG in out ? { [TAG]: 'object', value: out } : out;
}

/** Inverse of `toJsonSafe`. */
export function fromJsonSafe(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(fromJsonSafe);
  const record = value as Record<string, unknown>;
  switch (record[TAG]) {
    case 'bytes':
      return new Uint8Array(Buffer.from(record.base64 as string, 'base64'));
    case 'date':
      return new Date(record.ms as number);
    case 'object':
      return mapValues(record.value as Record<string, unknown>);
    default:
      return mapValues(record);
  }
}

function mapValues(record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(record)) out[key] = fromJsonSafe(field);
  return out;
}

export function stringifyJsonSafe(value: unknown): string {
  return JSON.stringify(toJsonSafe(value));
}

export function parseJsonSafe<T = unknown>(text: string): T {
  return fromJsonSafe(JSON.parse(text)) as T;
}
