import { describe, expect, it } from 'vitest';
import { bytes, useTempWorlds } from './helpers/temp-world.js';

const temp = useTempWorlds();

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string[]> {
  const out: string[] = [];
  for await (const chunk of stream) out.push(new TextDecoder().decode(chunk));
  return out;
}

describe('streams', () => {
  it('tails live, counts indices per write and agrees with getStreamInfo', async () => {
    const world = temp.world({ streamPollIntervalMs: 20 });
    const name = 'strm_../odd name/\u00e9';
    const reader = readAll(await world.readFromStream(name));
    await world.writeToStream(name, 'wrun_a', 'a');
    await world.writeToStreamMulti!(name, 'wrun_a', [bytes('b'), '', 'c']);
    expect(await world.getStreamInfo(name, 'wrun_a')).toEqual({ tailIndex: 3, done: false });
    await world.closeStream(name, 'wrun_a');
    await world.writeToStream(name, 'wrun_a', 'ignored after close');
    expect(await reader).toEqual(['a', 'b', 'c']);
    expect(await world.getStreamInfo(name, 'wrun_a')).toEqual({ tailIndex: 3, done: true });
    expect(await world.listStreamsByRunId('wrun_a')).toEqual([name]);

    expect(await readAll(await world.readFromStream(name, -2))).toEqual(['c']);
    const page = await world.getStreamChunks(name, 'wrun_a', { limit: 2 });
    expect(page.data.map((c) => c.index)).toEqual([0, 1]);
    expect(page.hasMore).toBe(true);
    const rest = await world.getStreamChunks(name, 'wrun_a', { cursor: page.cursor! });
    expect(rest.data.map((c) => c.index)).toEqual([2, 3]);
    expect(rest).toMatchObject({ hasMore: false, cursor: null, done: true });
  });

  it('waits past the tail for chunks that arrive later', async () => {
    const world = temp.world({ streamPollIntervalMs: 20 });
    await world.writeToStream('s', 'wrun_a', '0');
    const reader = readAll(await world.readFromStream('s', 3));
    for (const chunk of ['1', '2', '3', '4']) await world.writeToStream('s', 'wrun_a', chunk);
    await world.closeStream('s', 'wrun_a');
    expect(await reader).toEqual(['3', '4']);
  });

  it('ends open readers when the World closes', async () => {
    const world = temp.world({ streamPollIntervalMs: 20 });
    const stream = await world.readFromStream('never-written');
    const reading = readAll(stream);
    await world.close();
    await expect(reading).rejects.toThrow(/closed/);
  });
});
