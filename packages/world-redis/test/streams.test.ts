import { newId } from '@worldkit/world';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld } from '../src/index.js';
import { assertRedisReachable, deleteKeys, REDIS_URL, testPrefix } from './helpers.js';

const prefix = testPrefix('streams');
const writer = createWorld({ url: REDIS_URL, prefix, streamPollIntervalMs: 50 });
// A second instance stands in for another process: it shares nothing but the server.
const reader = createWorld({ url: `${REDIS_URL}/0`, prefix, streamPollIntervalMs: 50 });

beforeAll(() => assertRedisReachable());
afterAll(async () => {
  await writer.close();
  await reader.close();
  await deleteKeys(prefix);
});

async function readAll(stream: ReadableStream<Uint8Array>): Promise<number[][]> {
  const chunks: number[][] = [];
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) chunks.push([...chunk]);
  return chunks;
}

const name = () => `strm_${newId('stream').slice(5)}`;

describe('streams', () => {
  it('tails live across instances, from a reader opened before the first write', async () => {
    const stream = name();
    const runId = newId('run');
    const reading = readAll(await reader.readFromStream(stream));
    await writer.writeToStream(stream, runId, new Uint8Array([0, 255]));
    await writer.writeToStream(stream, runId, 'hé');
    await writer.writeToStreamMulti!(stream, runId, [new Uint8Array([1]), new Uint8Array([2])]);
    await writer.closeStream(stream, runId);
    expect(await reading).toEqual([[0, 255], [...Buffer.from('hé')], [1], [2]]);
    expect(await reader.getStreamInfo(stream, runId)).toEqual({ tailIndex: 3, done: true });
    expect(await reader.listStreamsByRunId(runId)).toEqual([stream]);
  });

  it('resolves negative and beyond-the-tail start indices', async () => {
    const stream = name();
    const runId = newId('run');
    for (let i = 0; i < 5; i++) await writer.writeToStream(stream, runId, new Uint8Array([i]));
    const lastTwo = readAll(await reader.readFromStream(stream, -2));
    const beyond = readAll(await reader.readFromStream(stream, 7));
    for (let i = 5; i < 9; i++) await writer.writeToStream(stream, runId, new Uint8Array([i]));
    await writer.closeStream(stream, runId);
    expect(await lastTwo).toEqual([[3], [4], [5], [6], [7], [8]]);
    expect(await beyond).toEqual([[7], [8]]);
  });

  it('counts empty chunks as indices without emitting them, and ignores writes after close', async () => {
    const stream = name();
    const runId = newId('run');
    await writer.writeToStream(stream, runId, new Uint8Array([1]));
    await writer.writeToStream(stream, runId, new Uint8Array([]));
    await writer.writeToStream(stream, runId, new Uint8Array([3]));
    await writer.closeStream(stream, runId);
    await writer.writeToStream(stream, runId, new Uint8Array([4]));
    await writer.closeStream(stream, runId);
    expect(await readAll(await reader.readFromStream(stream))).toEqual([[1], [3]]);
    expect(await reader.getStreamInfo(stream, runId)).toEqual({ tailIndex: 2, done: true });
    expect(await readAll(await reader.readFromStream(stream, 2))).toEqual([[3]]);
  });

  it('pages chunks with absolute indices, agreeing with getStreamInfo', async () => {
    const stream = name();
    const runId = newId('run');
    for (let i = 0; i < 5; i++) await writer.writeToStream(stream, runId, new Uint8Array([i]));
    const first = await reader.getStreamChunks(stream, runId, { limit: 3 });
    expect(first.data.map((chunk) => chunk.index)).toEqual([0, 1, 2]);
    expect(first).toMatchObject({ hasMore: true, done: false });
    const second = await reader.getStreamChunks(stream, runId, { limit: 3, cursor: first.cursor! });
    expect(second.data.map((chunk) => [chunk.index, ...chunk.data])).toEqual([
      [3, 3],
      [4, 4],
    ]);
    expect(second).toMatchObject({ hasMore: false, cursor: null, done: false });
    await writer.closeStream(stream, runId);
    expect((await reader.getStreamChunks(stream, runId)).done).toBe(true);
    expect(await reader.getStreamInfo(stream, runId)).toEqual({ tailIndex: 4, done: true });
  });

  it('registers a closed stream without data, for unknown runs too', async () => {
    const stream = `__health_check__${newId('stream').slice(5)}`;
    const runId = newId('run');
    await writer.closeStream(stream, runId);
    expect(await reader.getStreamInfo(stream, runId)).toEqual({ tailIndex: -1, done: true });
    expect(await reader.listStreamsByRunId(runId)).toEqual([stream]);
    expect(await readAll(await reader.readFromStream(stream))).toEqual([]);
  });

  it('lets a reader be cancelled, and settles open readers when the World closes', async () => {
    const world = createWorld({ url: REDIS_URL, prefix, streamPollIntervalMs: 50 });
    const open = await world.readFromStream(name());
    const cancelled = (await world.readFromStream(name())).getReader();
    await cancelled.cancel();
    const reading = readAll(open).catch((error: Error) => error);
    await world.close();
    expect(await reading).toBeInstanceOf(Error);
  });
});
