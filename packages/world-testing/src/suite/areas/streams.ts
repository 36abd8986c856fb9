import { newId, type World } from '@worldkit/world';
import { expect } from 'vitest';
import { waitFor } from '../../support/wait-for.js';
import { expectBytes } from '../assertions.js';
import type { ConformanceCase } from '../context.js';
import { allBytes, multiWriter } from '../fixtures.js';
import { newRunId, streamName } from '../names.js';

const text = (value: string) => new TextEncoder().encode(value);

/** Reads until the stream ends (or `count` chunks arrived) and returns the chunks as text. */
async function readAll(stream: ReadableStream<Uint8Array>, count?: number): Promise<string[]> {
  const reader = stream.getReader();
  const chunks: string[] = [];
  while (count === undefined || chunks.length < count) {
    const { done, value } = await reader.read();
    if (done) return chunks;
    expect(value, 'readers yield Uint8Array chunks').toBeInstanceOf(Uint8Array);
    chunks.push(new TextDecoder().decode(value));
  }
  await reader.cancel();
  return chunks;
}

async function writeAll(world: World, name: string, runId: string, chunks: string[]) {
  for (const chunk of chunks) await world.writeToStream(name, runId, chunk);
}

export const streamCases: ConformanceCase[] = [
  {
    name: 'chunks are read back in write order and the reader ends after close',
    async run(t) {
      const world = await t.world();
      const name = streamName();
      const runId = newRunId();
      await world.writeToStream(name, runId, 'one');
      await world.writeToStream(name, runId, text('two'));
      await world.writeToStream(name, runId, 'three');
      await world.closeStream(name, runId);
      expect(await readAll(await world.readFromStream(name))).toEqual(['one', 'two', 'three']);
    },
  },
  {
    name: 'bytes survive exactly, strings are stored as UTF-8',
    async run(t) {
      const world = await t.world();
      const name = streamName();
      const runId = newRunId();
      const bytes = allBytes();
      await world.writeToStream(name, runId, bytes);
      await world.writeToStream(name, runId, 'héllo ✓');
      await world.closeStream(name, runId);
      const page = await world.getStreamChunks(name, runId);
      expectBytes(page.data[0]?.data, bytes, 'chunk 0');
      expectBytes(page.data[1]?.data, text('héllo ✓'), 'chunk 1 (utf-8)');
      const reader = (await world.readFromStream(name)).getReader();
      expectBytes((await reader.read()).value, bytes, 'read chunk 0');
      await reader.cancel();
    },
  },
  {
    name: 'one write is one index: getStreamInfo and getStreamChunks agree',
    async run(t) {
      const world = await t.world();
      const name = streamName();
      const runId = newRunId();
      expect(await world.getStreamInfo(name, runId)).toEqual({ tailIndex: -1, done: false });
      await writeAll(world, name, runId, ['a', 'bb', 'ccc', 'dddd']);
      expect(await world.getStreamInfo(name, runId)).toEqual({ tailIndex: 3, done: false });
      const page = await world.getStreamChunks(name, runId);
      expect(page.data.map((c) => c.index)).toEqual([0, 1, 2, 3]);
      expect(page.done).toBe(false);
      await world.closeStream(name, runId);
      expect(await world.getStreamInfo(name, runId)).toEqual({ tailIndex: 3, done: true });
      expect((await world.getStreamChunks(name, runId)).done).toBe(true);
    },
  },
  {
    name: 'empty chunks count as indices',
    async run(t) {
      const world = await t.world();
      const name = streamName();
      const runId = newRunId();
      await writeAll(world, name, runId, ['a', '', 'b']);
      await world.writeToStream(name, runId, new Uint8Array(0));
      await world.closeStream(name, runId);
      expect((await world.getStreamInfo(name, runId)).tailIndex).toBe(3);
      const page = await world.getStreamChunks(name, runId);
      expect(page.data.map((c) => [c.index, c.data.byteLength])).toEqual([
        [0, 1],
        [1, 0],
        [2, 1],
        [3, 0],
      ]);
      expect((await readAll(await world.readFromStream(name))).join('')).toBe('ab');
      expect(await readAll(await world.readFromStream(name, 2))).toEqual(['b']);
    },
  },
  {
    name: 'a reader opened before the stream exists receives what is written later',
    async run(t) {
      const world = await t.world();
      const name = streamName();
      const runId = newRunId();
      const reading = readAll(await world.readFromStream(name));
      await writeAll(world, name, runId, ['late', 'chunks']);
      await world.closeStream(name, runId);
      expect(await reading).toEqual(['late', 'chunks']);
    },
  },
  {
    name: 'a reader tails live: chunks written after it opened arrive, then the end',
    async run(t) {
      const world = await t.world();
      const name = streamName();
      const runId = newRunId();
      await world.writeToStream(name, runId, 'first');
      const reader = (await world.readFromStream(name)).getReader();
      expect(new TextDecoder().decode((await reader.read()).value)).toBe('first');
      const next = reader.read();
      await world.writeToStream(name, runId, 'second');
      expect(new TextDecoder().decode((await next).value)).toBe('second');
      await world.closeStream(name, runId);
      expect((await reader.read()).done).toBe(true);
    },
  },
  {
    name: 'live tail across two World instances over one backend',
    async run(t) {
      const writer = await t.world();
      const readerWorld = await t.openWorld();
      const name = streamName();
      const runId = newRunId();
      const reading = readAll(await readerWorld.readFromStream(name));
      await writeAll(writer, name, runId, ['x', 'y', 'z']);
      await writer.closeStream(name, runId);
      expect(await reading).toEqual(['x', 'y', 'z']);
    },
  },
  {
    name: 'live tail across processes: a child writes, this process reads',
    requires: ['multiProcess'],
    async run(t) {
      const world = await t.world();
      const child = await t.spawnProcess();
      const name = streamName();
      const runId = newRunId();
      const reading = readAll(await world.readFromStream(name));
      for (const chunk of ['p', 'q', 'r']) await child.call('writeToStream', name, runId, chunk);
      await child.call('closeStream', name, runId);
      expect(await reading).toEqual(['p', 'q', 'r']);
      expect(await child.call('readStream', name, 0)).toHaveLength(3);
    },
  },
  {
    name: 'a negative start counts back from the chunks written so far',
    async run(t) {
      const world = await t.world();
      const name = streamName();
      const runId = newRunId();
      await writeAll(world, name, runId, ['0', '1', '2', '3', '4']);
      const lastTwo = readAll(await world.readFromStream(name, -2));
      const tooFar = readAll(await world.readFromStream(name, -10));
      await world.writeToStream(name, runId, '5');
      await world.closeStream(name, runId);
      expect(await lastTwo).toEqual(['3', '4', '5']);
      expect(await tooFar).toEqual(['0', '1', '2', '3', '4', '5']);
    },
  },
  {
    name: 'a start beyond the tail skips until that index, including chunks written later',
    async run(t) {
      const world = await t.world();
      const name = streamName();
      const runId = newRunId();
      await writeAll(world, name, runId, ['0', '1', '2']);
      const reading = readAll(await world.readFromStream(name, 5));
      await writeAll(world, name, runId, ['3', '4', '5', '6']);
      await world.closeStream(name, runId);
      expect(await reading).toEqual(['5', '6']);
    },
  },
  {
    name: 'getStreamChunks pages with cursors, hasMore and done',
    async run(t) {
      const world = await t.world();
      const name = streamName();
      const runId = newRunId();
      await writeAll(world, name, runId, ['a', 'b', 'c', 'd', 'e']);
      const first = await world.getStreamChunks(name, runId, { limit: 2 });
      expect(first.data.map((c) => c.index)).toEqual([0, 1]);
      expect(first.hasMore).toBe(true);
      expect(first.cursor).toBeTruthy();
      const second = await world.getStreamChunks(name, runId, { limit: 2, cursor: first.cursor! });
      expect(second.data.map((c) => c.index)).toEqual([2, 3]);
      const third = await world.getStreamChunks(name, runId, { limit: 2, cursor: second.cursor! });
      expect(third.data.map((c) => c.index)).toEqual([4]);
      expect(third.hasMore).toBe(false);
      expect(third.cursor).toBeNull();
      expect(third.done).toBe(false);
      await world.closeStream(name, runId);
      expect((await world.getStreamChunks(name, runId, { limit: 10 })).done).toBe(true);
    },
  },
  {
    name: "writeToStreamMulti (or the runtime's fallback) keeps array order, one index per chunk",
    async run(t) {
      const world = await t.world();
      const writeMulti = multiWriter(world);
      const name = streamName();
      const runId = newRunId();
      await world.writeToStream(name, runId, 'start');
      await writeMulti(name, runId, ['m1', text('m2'), 'm3']);
      await world.writeToStream(name, runId, 'end');
      await world.closeStream(name, runId);
      expect((await world.getStreamInfo(name, runId)).tailIndex).toBe(4);
      expect(await readAll(await world.readFromStream(name))).toEqual([
        'start',
        'm1',
        'm2',
        'm3',
        'end',
      ]);
    },
  },
  {
    name: 'streams of unknown runs and health-check names are accepted',
    async run(t) {
      const world = await t.world();
      const name = `__health_check__${newId('event').slice(5)}`;
      const runId = newRunId();
      await world.writeToStream(name, runId, JSON.stringify({ healthy: true }));
      await world.closeStream(name, runId);
      expect(await readAll(await world.readFromStream(name))).toEqual(['{"healthy":true}']);
    },
  },
  {
    name: 'listStreamsByRunId lists streams written or only closed with the run',
    async run(t) {
      const world = await t.world();
      const runId = newRunId();
      const written = streamName();
      const closedOnly = streamName();
      await world.writeToStream(written, runId, 'x');
      await world.closeStream(closedOnly, runId);
      await world.writeToStream(streamName(), newRunId(), 'other run');
      expect((await world.listStreamsByRunId(runId)).sort()).toEqual([written, closedOnly].sort());
      expect(await world.listStreamsByRunId(newRunId())).toEqual([]);
    },
  },
  {
    name: 'writes after close are ignored and closing twice is harmless',
    async run(t) {
      const world = await t.world();
      const name = streamName();
      const runId = newRunId();
      await world.writeToStream(name, runId, 'kept');
      await world.closeStream(name, runId);
      await world.writeToStream(name, runId, 'after the end').catch(() => {});
      await world.closeStream(name, runId);
      expect(await world.getStreamInfo(name, runId)).toEqual({ tailIndex: 0, done: true });
      expect(await readAll(await world.readFromStream(name))).toEqual(['kept']);
    },
  },
  {
    name: 'close() of the World settles its open readers',
    async run(t) {
      const world = await t.openWorld();
      const name = streamName();
      const reader = (await world.readFromStream(name)).getReader();
      const pending = reader.read().then(
        () => 'settled',
        () => 'settled',
      );
      await t.closeWorld(world);
      expect(
        await waitFor(
          async () => {
            const state = await Promise.race([
              pending,
              new Promise((r) => setTimeout(() => r(undefined), 20)),
            ]);
            return state as string | undefined;
          },
          { what: 'the open reader to settle after close()' },
        ),
      ).toBe('settled');
    },
  },
  {
    name: 'a cancelled reader stops without affecting other readers',
    async run(t) {
      const world = await t.world();
      const name = streamName();
      const runId = newRunId();
      const cancelled = (await world.readFromStream(name)).getReader();
      const other = readAll(await world.readFromStream(name));
      await cancelled.cancel();
      await writeAll(world, name, runId, ['a', 'b']);
      await world.closeStream(name, runId);
      expect(await other).toEqual(['a', 'b']);
    },
  },
];
