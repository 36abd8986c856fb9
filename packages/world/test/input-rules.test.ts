import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../src/errors.js';
import { randomUlidPart } from '../src/ids.js';
import { DEFAULT_PAGE_SIZE } from '../src/pagination.js';
import {
  checkQueueCall,
  queueDelaySeconds,
  queueHeaders,
  queueIdempotencyKey,
} from '../src/queue/options.js';
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

  it('reads headers, undefined when absent', () => {
    expect(queueHeaders({})).toBeUndefined();
    expect(queueHeaders({ headers: { 'x-trace': 'abc' } })).toEqual({ 'x-trace': 'abc' });
  });

  it.each([null, [], { n: 1 }, 'x-trace'])('refuses headers %j', (value) => {
    expect(refusal(() => queueHeaders({ headers: value as never })).field).toBe('opts.headers');
  });
});

describe('checkQueueCall', () => {
  const workflowQueue = '__wkf_workflow_orders';

  it('reads a workflow message: the run it wakes and every option', () => {
    expect(
      checkQueueCall(workflowQueue, { runId: 'wrun_1' }, { delaySeconds: 2, idempotencyKey: 'k' }),
    ).toEqual({
      kind: 'workflow',
      wakesRun: 'wrun_1',
      delaySeconds: 2,
      idempotencyKey: 'k',
      headers: undefined,
    });
  });

  it('wakes no run with a step message', () => {
    const call = checkQueueCall('__wkf_step_charge', { workflowRunId: 'wrun_1', stepId: 's' });
    expect(call).toMatchObject({ kind: 'step', wakesRun: undefined, delaySeconds: 0 });
  });

  it.each([
    ['a queue name without the prefix', 'orders', { runId: 'r' }, undefined, 'queueName'],
    ['a string payload', workflowQueue, 'wake up', undefined, 'payload'],
    ['a null payload', workflowQueue, null, undefined, 'payload'],
    [
      'a payload holding a function',
      workflowQueue,
      { runId: 'r', f: () => {} },
      undefined,
      'payload',
    ],
    ['options that are not an object', workflowQueue, { runId: 'r' }, 5, 'opts'],
    [
      'an empty idempotencyKey',
      workflowQueue,
      { runId: 'r' },
      { idempotencyKey: '' },
      'opts.idempotencyKey',
    ],
    [
      'a deploymentId with NUL',
      workflowQueue,
      { runId: 'r' },
      { deploymentId: 'd\u0000' },
      'opts.deploymentId',
    ],
  ])('refuses %s', (_what, queueName, payload, options, field) => {
    expect(refusal(() => checkQueueCall(queueName, payload, options as never)).field).toBe(field);
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
