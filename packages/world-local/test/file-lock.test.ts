import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileLocks, withLock } from '../src/fs/file-lock.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function lockDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'worldkit-locks-'));
  dirs.push(dir);
  return dir;
}

describe('file locks', () => {
  it('serve the callers of one process in arrival order while another holder keeps the lock', async () => {
    const dir = lockDir();
    const holder = new FileLocks(dir, { foreignStaleMs: 30_000 });
    const waiters = new FileLocks(dir, { foreignStaleMs: 30_000 });
    expect(holder.tryAcquire('queue')).toBe(true);

    const order: number[] = [];
    const calls = Array.from({ length: 20 }, (_, index) =>
      withLock(waiters, 'queue', () => order.push(index), { timeoutMs: 10_000 }),
    );
    // Let every caller reach its wait, with the lock still held elsewhere.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(order).toEqual([]);

    holder.release('queue');
    await Promise.all(calls);
    expect(order).toEqual(Array.from({ length: 20 }, (_, index) => index));
    holder.releaseAll();
    waiters.releaseAll();
  });

  it('keep serving later callers after one caller fails inside its turn', async () => {
    const locks = new FileLocks(lockDir(), { foreignStaleMs: 30_000 });
    const failing = withLock(
      locks,
      'run',
      () => {
        throw new Error('body failed');
      },
      { timeoutMs: 1_000 },
    );
    const next = withLock(locks, 'run', () => 'served', { timeoutMs: 1_000 });
    await expect(failing).rejects.toThrow('body failed');
    await expect(next).resolves.toBe('served');
    locks.releaseAll();
  });
});
