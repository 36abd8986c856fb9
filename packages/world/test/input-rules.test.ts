import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../src/errors.js';
import { randomUlidPart } from '../src/ids.js';
import { DEFAULT_PAGE_SIZE } from '../src/pagination.js';
import { queueDelaySeconds, queueIdempotencyKey } from '../src/queue/options.js';
import { MAX_PAGE_SIZE } from '../src/schemas/shared.js';
import { assertStreamStartIndex, streamChunkBytes, streamChunkPage } from '../src/stream-input.js';

function refusal(call: () => unknown): InvalidInputError {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return error as InvalidInputError;
  }
  throw new Error('expected an InvalidInputError');
}

describe('queue options', () => {
  it('reads delaySeconds, 0 when absent', () => {
    expect(queueDelaySeconds({})).toBe(0);
    expect(queueDelaySeconds({ delaySeconds: 0 })).toBe(0);
    expect(queueDelaySeconds({ delaySeconds: 2.5 })).toBe(2.5);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY, '5'])('refuses delaySeconds %s', (value) => {
    expect(refusal(() => queueDelaySeconds({ delaySeconds: value as number })).field).toBe(
      'opts.delaySeconds',
    );
  });

  it('reads idempotencyKey, undefined when absent', () => {
    expect(queueIdempotencyKey({})).toBeUndefined();
    expect(queueIdempotencyKey({ idempotencyKey: 'step_1' })).toBe('step_1');
  });

  it.each(['', 42])('refuses idempotencyKey %j', (value) => {
    expect(refusal(() => queueIdempotencyKey({ idempotencyKey: value as string })).field).toBe(
      'opts.idempotencyKey',
    );
  });
});

describe('stream input', () => {
  it('encodes a string chunk as UTF-8 into a plain Uint8Array and keeps bytes as they are', () => {
    const encoded = streamChunkBytes('hé');
    expect(encoded.constructor).toBe(Uint8Array);
    expect([...encoded]).toEqual([0x68, 0xc3, 0xa9]);
    const bytes = new Uint8Array([0, 255]);
    expect(streamChunkBytes(bytes)).toBe(bytes);
  });

  it('refuses a chunk that is neither, under the given field', () => {
    expect(refusal(() => streamChunkBytes(7)).field).toBe('chunk');
    expect(refusal(() => streamChunkBytes({}, 'chunks[2]')).field).toBe('chunks[2]');
  });

  it('accepts integer start indices, negative ones included, and refuses the rest', () => {
    for (const start of [0, 5, -3]) expect(() => assertStreamStartIndex(start)).not.toThrow();
    for (const start of [1.5, '1', undefined]) {
      expect(refusal(() => assertStreamStartIndex(start)).field).toBe('startIndex');
    }
  });

  it('pages chunks by the default, the given limit, and at most the maximum page', () => {
    expect(streamChunkPage({}).limit).toBe(DEFAULT_PAGE_SIZE.streamChunks);
    expect(streamChunkPage({ limit: 3 }).limit).toBe(3);
    expect(streamChunkPage({ limit: MAX_PAGE_SIZE + 1 }).limit).toBe(MAX_PAGE_SIZE);
    for (const limit of [0, -1, 2.5]) {
      expect(refusal(() => streamChunkPage({ limit })).field).toBe('limit');
    }
  });

  it('starts a chunk page after its cursor, and at the first chunk for an empty or absent one', () => {
    expect(streamChunkPage({ cursor: '7' }).cursor).toBe('7');
    for (const cursor of ['', undefined])
      expect(streamChunkPage({ cursor }).cursor).toBeUndefined();
  });
});

describe('randomUlidPart', () => {
  it('is 16 Crockford base32 characters, different each time', () => {
    const parts = new Set(Array.from({ length: 1000 }, () => randomUlidPart()));
    expect(parts.size).toBe(1000);
    for (const part of parts) expect(part).toMatch(/^[0-9A-HJKMNP-TV-Z]{16}$/);
  });
});
