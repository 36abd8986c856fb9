/**
 * A 1 MB stream: written in 16 KiB chunks, one write per chunk (each chunk is one index, as the
 * runtime writes), closed, then read back from index 0 to EOF and checked byte-for-byte.
 */
import { newId, type Streams5x, type World } from '@worldkit/world';
import type { Subject } from '../subjects/types.js';
import type { Measurement } from './types.js';
import { worldSession, worldsOnly } from './world-session.js';

/**
 * The stream calls of the World's line: the 4.x members (`writeToStream`, …), or the 5.x
 * `streams` namespace, which takes the run first and is all an upstream 5.x World has.
 */
function streamCalls(subject: Subject, world: World) {
  if (subject.kind === 'world' && subject.line === '5.x') {
    const { streams } = world as World & { streams: Streams5x };
    return {
      write: (name: string, runId: string, chunk: Uint8Array) => streams.write(runId, name, chunk),
      close: (name: string, runId: string) => streams.close(runId, name),
      read: (name: string, runId: string) => streams.get(runId, name, 0),
    };
  }
  return {
    write: (name: string, runId: string, chunk: Uint8Array) =>
      world.writeToStream(name, runId, chunk),
    close: (name: string, runId: string) => world.closeStream(name, runId),
    read: (name: string) => world.readFromStream(name, 0),
  };
}

function chunkOf(index: number, size: number): Uint8Array {
  return new Uint8Array(size).fill(index & 0xff);
}

export const streamRoundTrip: Measurement = {
  id: 'stream',
  title: '1 MB stream',
  metrics: [
    { id: 'write', title: 'write (16 KiB chunks), close', unit: 'ms', better: 'lower' },
    { id: 'read', title: 'read back', unit: 'ms', better: 'lower' },
  ],
  notApplicable: worldsOnly,
  open: (subject, context) =>
    worldSession(subject, context, async (opened) => {
      const stream = streamCalls(subject, opened.world);
      return {
        async sample() {
          const { streamBytes, streamChunkBytes } = context.scale;
          const chunks = Math.ceil(streamBytes / streamChunkBytes);
          const name = newId('stream');
          const runId = newId('run');
          let started = performance.now();
          for (let index = 0; index < chunks; index++) {
            await stream.write(name, runId, chunkOf(index, streamChunkBytes));
          }
          await stream.close(name, runId);
          const write = performance.now() - started;

          started = performance.now();
          const reader = (await stream.read(name, runId)).getReader();
          let received = 0;
          let mismatched = 0;
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            // Readers may split or join chunks: check the bytes at both ends by absolute offset.
            const expected = (offset: number) => Math.floor(offset / streamChunkBytes) & 0xff;
            if (value.length > 0) {
              if (value[0] !== expected(received)) mismatched++;
              if (value[value.length - 1] !== expected(received + value.length - 1)) mismatched++;
            }
            received += value.length;
          }
          const read = performance.now() - started;
          if (received !== chunks * streamChunkBytes || mismatched > 0) {
            throw new Error(`read back ${received} bytes (${mismatched} misplaced bytes)`);
          }
          return { write: [write], read: [read] };
        },
      };
    }),
};
