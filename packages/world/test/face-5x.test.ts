import { describe, expect, it, vi } from 'vitest';
import { InvalidInputError } from '../src/errors.js';
import { SPEC_VERSION_ENV, specVersion5xOf, toWorld5x } from '../src/face-5x.js';
import { DEFAULT_WAIT_TIMEOUT_MS, waitForTerminalStatus } from '../src/wait-for-terminal.js';
import { SPEC_VERSION_CURRENT, type World } from '../src/world.js';

/** A World whose stream members record how they were called. */
function recordingWorld() {
  const calls: unknown[][] = [];
  const record =
    (name: string) =>
    async (...args: unknown[]) => {
      calls.push([name, ...args]);
      return undefined as never;
    };
  const world = {
    specVersion: SPEC_VERSION_CURRENT,
    events: { create: record('events.create') },
    writeToStream: record('writeToStream'),
    writeToStreamMulti: record('writeToStreamMulti'),
    closeStream: record('closeStream'),
    readFromStream: record('readFromStream'),
    listStreamsByRunId: record('listStreamsByRunId'),
    getStreamChunks: record('getStreamChunks'),
    getStreamInfo: record('getStreamInfo'),
  } as unknown as World;
  return { world, calls };
}

describe('the 5.x face', () => {
  it('declares the newest served spec version by default, the env one when set', () => {
    expect(specVersion5xOf({}, {})).toBe(7);
    expect(specVersion5xOf({}, { [SPEC_VERSION_ENV]: '4' })).toBe(4);
    expect(specVersion5xOf({ specVersion: 5 }, { [SPEC_VERSION_ENV]: '4' })).toBe(5);
  });

  it.each([3, 8, Number.NaN])('refuses spec version %s with a typed error', (specVersion) => {
    expect(() => specVersion5xOf({ specVersion }, {})).toThrow(InvalidInputError);
  });

  it('refuses an unreadable env value rather than guessing', () => {
    expect(() => specVersion5xOf({}, { [SPEC_VERSION_ENV]: 'seven' })).toThrow(
      /serves spec versions 4, 5, 6, 7, not seven/,
    );
  });

  it('keeps the World and puts its streams, run first, under `streams`', async () => {
    const { world, calls } = recordingWorld();
    const face = toWorld5x(world, { specVersion: 4 });
    expect(face.specVersion).toBe(4);
    expect(world.specVersion, 'the 4.x World itself is untouched').toBe(SPEC_VERSION_CURRENT);
    const bytes = new Uint8Array([1]);
    await face.streams.write('wrun_1', 'strm_a', bytes);
    await face.streams.writeMulti?.('wrun_1', 'strm_a', [bytes]);
    await face.streams.close('wrun_1', 'strm_a');
    await face.streams.get('wrun_1', 'strm_a', -2);
    await face.streams.list('wrun_1');
    await face.streams.getChunks('wrun_1', 'strm_a', { limit: 3 });
    await face.streams.getInfo('wrun_1', 'strm_a');
    expect(calls).toEqual([
      ['writeToStream', 'strm_a', 'wrun_1', bytes],
      ['writeToStreamMulti', 'strm_a', 'wrun_1', [bytes]],
      ['closeStream', 'strm_a', 'wrun_1'],
      ['readFromStream', 'strm_a', -2],
      ['listStreamsByRunId', 'wrun_1'],
      ['getStreamChunks', 'strm_a', 'wrun_1', { limit: 3 }],
      ['getStreamInfo', 'strm_a', 'wrun_1'],
    ]);
  });

  it('offers writeMulti only when the World has it', () => {
    const { world } = recordingWorld();
    const { writeToStreamMulti: _absent, ...withoutMulti } = world;
    expect(toWorld5x(withoutMulti as World, {}).streams.writeMulti).toBeUndefined();
  });

  it('waits for the run to end by reading `runs.get`, through the face', async () => {
    let reads = 0;
    const runs = {
      get: async (runId: string) => ({ runId, status: ++reads < 3 ? 'running' : 'completed' }),
    };
    const face = toWorld5x({ ...recordingWorld().world, runs } as unknown as World, {});
    expect((await face.runs.waitForTerminalStatus('wrun_1')).status).toBe('completed');
    expect(reads).toBe(3);
  });

  it('answers with the run as it is once the signal aborts', async () => {
    const runs = { get: async (runId: string) => ({ runId, status: 'running' }) };
    const controller = new AbortController();
    const waiting = waitForTerminalStatus(runs as unknown as World['runs'], 'wrun_1', {
      timeoutMs: 600_000,
      signal: controller.signal,
    });
    controller.abort();
    expect((await waiting).status).toBe('running');
  });

  it('answers at once with a negative budget, and within the default one for a budget not a number', async () => {
    const runs = { get: async (runId: string) => ({ runId, status: 'running' }) };
    const stillRunning = runs as unknown as World['runs'];
    expect((await waitForTerminalStatus(stillRunning, 'wrun_1', { timeoutMs: -5 })).status).toBe(
      'running',
    );
    vi.useFakeTimers();
    try {
      const waiting = waitForTerminalStatus(stillRunning, 'wrun_1', { timeoutMs: Number.NaN });
      await vi.advanceTimersByTimeAsync(DEFAULT_WAIT_TIMEOUT_MS + 1_000);
      expect((await waiting).status).toBe('running');
    } finally {
      vi.useRealTimers();
    }
  });
});
