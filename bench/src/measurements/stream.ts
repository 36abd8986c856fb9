/**
 * A 1 MB stream: written in 16 KiB chunks, one writeToStream per chunk (each chunk is one index,
 * as the runtime writes), closed, then read back from index 0 to EOF and checked byte-for-byte.
 */
import { newId } from '@worldkit/world';
import type { Measurement } from './types.js';
import { worldSession, worldsOnly } from './world-session.js';

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
    worldSession(subject, context, async (opened) => ({
      async sample() {
        const { streamBytes, streamChunkBytes } = context.scale;
        const chunks = Math.ceil(streamBytes / streamChunkBytes);
        const name = newId('stream');
        const runId = newId('run');
        let started = performance.now();
        for (let index = 0; index < chunks; index++) {
          await opened.world.writeToStream(name, runId, chunkOf(index, streamChunkBytes));
        }
        await opened.world.closeStream(name, runId);
        const write = performance.now() - started;

        started = performance.now();
        const reader = (await opened.world.readFromStream(name, 0)).getReader();
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
    })),
};
