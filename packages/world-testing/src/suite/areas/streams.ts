import { newId, type World } from '@worldkit/world';
import { expect } from 'vitest';
import { waitFor } from '../../support/wait-for.js';
import { expectBytes } from '../assertions.js';
import type { CaseContext, ConformanceCase } from '../context.js';
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

async function writeAll(
  world: World,
  name: string,
  runId: string,
  chunks: (string | Uint8Array)[],
) {
  for (const chunk of chunks) await world.writeToStream(name, runId, chunk);
}

/** Writes the chunks in order, then closes the stream. */
async function writeAndClose(
  world: World,
  name: string,
  runId: string,
  chunks: (string | Uint8Array)[],
) {
  await writeAll(world, name, runId, chunks);
  await world.closeStream(name, runId);
}

interface NewStream {
  world: World;
  /** A stream no case wrote before, of a new run. */
  name: string;
  runId: string;
  t: CaseContext;
}

/** A case on a new stream of a new run, on the case's World. */
function streamCase(
  name: string,
  body: (stream: NewStream) => Promise<void>,
  requires?: ConformanceCase['requires'],
): ConformanceCase {
  return {
    name,
    ...(requires === undefined ? {} : { requires }),
    async run(t) {
      await body({ world: await t.world(), name: streamName(), runId: newRunId(), t });
    },
  };
}

export const streamCases: ConformanceCase[] = [
  streamCase(
    'chunks are read back in write order and the reader ends after close',
    async ({ world, name, runId }) => {
      await writeAndClose(world, name, runId, ['one', text('two'), 'three']);
      expect(await readAll(await world.readFromStream(name))).toEqual(['one', 'two', 'three']);
    },
  ),
  streamCase(
    'bytes survive exactly, strings are stored as UTF-8',
    async ({ world, name, runId }) => {
      const bytes = allBytes();
      await writeAndClose(world, name, runId, [bytes, 'héllo ✓']);
      const page = await world.getStreamChunks(name, runId);
      expectBytes(page.data[0]?.data, bytes, 'chunk 0');
      expectBytes(page.data[1]?.data, text('héllo ✓'), 'chunk 1 (utf-8)');
      const reader = (await world.readFromStream(name)).getReader();
      expectBytes((await reader.read()).value, bytes, 'read chunk 0');
      await reader.cancel();
    },
  ),
  streamCase(
    'one write is one index: getStreamInfo and getStreamChunks agree',
    async ({ world, name, runId }) => {
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
  ),
  streamCase('empty chunks count as indices', async ({ world, name, runId }) => {
    await writeAndClose(world, name, runId, ['a', '', 'b', new Uint8Array(0)]);
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
  }),
  streamCase(
    'a reader opened before the stream exists receives what is written later',
    async ({ world, name, runId }) => {
      const reading = readAll(await world.readFromStream(name));
      await writeAndClose(world, name, runId, ['late', 'chunks']);
      expect(await reading).toEqual(['late', 'chunks']);
    },
  ),
  streamCase(
    'a reader tails live: chunks written after it opened arrive, then the end',
    async ({ world, name, runId }) => {
      await world.writeToStream(name, runId, 'first');
      const reader = (await world.readFromStream(name)).getReader();
      expect(new TextDecoder().decode((await reader.read()).value)).toBe('first');
      const next = reader.read();
      await world.writeToStream(name, runId, 'second');
      expect(new TextDecoder().decode((await next).value)).toBe('second');
      await world.closeStream(name, runId);
      expect((await reader.read()).done).toBe(true);
    },
  ),
  streamCase(
    'live tail across two World instances over one backend',
    async ({ world: writer, name, runId, t }) => {
      const readerWorld = await t.openWorld();
      const reading = readAll(await readerWorld.readFromStream(name));
      await writeAndClose(writer, name, runId, ['x', 'y', 'z']);
      expect(await reading).toEqual(['x', 'y', 'z']);
    },
  ),
  streamCase(
    'live tail across processes: a child writes, this process reads',
    async ({ world, name, runId, t }) => {
      const child = await t.spawnProcess();
      const reading = readAll(await world.readFromStream(name));
      for (const chunk of ['p', 'q', 'r']) await child.call('writeToStream', name, runId, chunk);
      await child.call('closeStream', name, runId);
      expect(await reading).toEqual(['p', 'q', 'r']);
      expect(await child.call('readStream', name, 0)).toHaveLength(3);
    },
    ['multiProcess'],
  ),
  streamCase(
    'a negative start counts back from the chunks written so far',
    async ({ world, name, runId }) => {
      await writeAll(world, name, runId, ['0', '1', '2', '3', '4']);
      const lastTwo = readAll(await world.readFromStream(name, -2));
      const tooFar = readAll(await world.readFromStream(name, -10));
      await writeAndClose(world, name, runId, ['5']);
      expect(await lastTwo).toEqual(['3', '4', '5']);
      expect(await tooFar).toEqual(['0', '1', '2', '3', '4', '5']);
    },
  ),
  streamCase(
    'a start beyond the tail skips until that index, including chunks written later',
    async ({ world, name, runId }) => {
      await writeAll(world, name, runId, ['0', '1', '2']);
      const reading = readAll(await world.readFromStream(name, 5));
      await writeAndClose(world, name, runId, ['3', '4', '5', '6']);
      expect(await reading).toEqual(['5', '6']);
    },
  ),
  streamCase(
    'getStreamChunks pages with cursors, hasMore and done',
    async ({ world, name, runId }) => {
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
  ),
  streamCase(
    "writeToStreamMulti (or the runtime's fallback) keeps array order, one index per chunk",
    async ({ world, name, runId }) => {
      const writeMulti = multiWriter(world);
      await world.writeToStream(name, runId, 'start');
      await writeMulti(name, runId, ['m1', text('m2'), 'm3']);
      await writeAndClose(world, name, runId, ['end']);
      expect((await world.getStreamInfo(name, runId)).tailIndex).toBe(4);
      expect(await readAll(await world.readFromStream(name))).toEqual([
        'start',
        'm1',
        'm2',
        'm3',
        'end',
      ]);
    },
  ),
  streamCase(
    'streams of unknown runs and health-check names are accepted',
    async ({ world, runId }) => {
      const name = `__health_check__${newId('event').slice(5)}`;
      await writeAndClose(world, name, runId, [JSON.stringify({ healthy: true })]);
      expect(await readAll(await world.readFromStream(name))).toEqual(['{"healthy":true}']);
    },
  ),
  streamCase(
    'listStreamsByRunId lists streams written or only closed with the run',
    async ({ world, name: written, runId }) => {
      const closedOnly = streamName();
      await world.writeToStream(written, runId, 'x');
      await world.closeStream(closedOnly, runId);
      await world.writeToStream(streamName(), newRunId(), 'other run');
      expect((await world.listStreamsByRunId(runId)).sort()).toEqual([written, closedOnly].sort());
      expect(await world.listStreamsByRunId(newRunId())).toEqual([]);
    },
  ),
  streamCase(
    'writes after close are ignored and closing twice is harmless',
    async ({ world, name, runId }) => {
      await writeAndClose(world, name, runId, ['kept']);
      await world.writeToStream(name, runId, 'after the end').catch(() => {});
      await world.closeStream(name, runId);
      expect(await world.getStreamInfo(name, runId)).toEqual({ tailIndex: 0, done: true });
      expect(await readAll(await world.readFromStream(name))).toEqual(['kept']);
    },
  ),
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
  streamCase(
    'a cancelled reader stops without affecting other readers',
    async ({ world, name, runId }) => {
      const cancelled = (await world.readFromStream(name)).getReader();
      const other = readAll(await world.readFromStream(name));
      await cancelled.cancel();
      await writeAndClose(world, name, runId, ['a', 'b']);
      expect(await other).toEqual(['a', 'b']);
    },
  ),
];
