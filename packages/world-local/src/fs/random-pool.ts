import { randomFillSync } from 'node:crypto';
import type { RandomSource } from '@worldkit/world';

/**
 * A random source for event ids that draws cryptographic bytes in blocks: a ULID needs 16 random
 * characters, and asking the OS for each one separately costs more than the rest of a write.
 */
export function pooledRandom(blockBytes = 4096): RandomSource {
  const pool = new Uint8Array(blockBytes);
  let next = blockBytes;
  return () => {
    if (next === blockBytes) {
      randomFillSync(pool);
      next = 0;
    }
    return pool[next++]! / 256;
  };
}
