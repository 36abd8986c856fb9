import { describe, expect, it } from 'vitest';
import { ReplayGuard } from '../src/queue/replay-guard.js';

describe('ReplayGuard', () => {
  it('admits a signature once', () => {
    const guard = new ReplayGuard(10);
    expect(guard.admit('v2=a', 1_000, 0)).toBe(true);
    expect(guard.admit('v2=a', 1_000, 500)).toBe(false);
    expect(guard.admit('v2=b', 1_000, 500)).toBe(true);
  });

  it('forgets signatures once they are stale', () => {
    const guard = new ReplayGuard(10);
    guard.admit('v2=a', 1_000, 0);
    guard.admit('v2=b', 2_000, 0);
    guard.admit('v2=c', 3_000, 1_500);
    expect(guard.size).toBe(2);
    expect(guard.admit('v2=b', 2_000, 1_600)).toBe(false);
  });

  it('never holds more than its capacity, forgetting the oldest first', () => {
    const guard = new ReplayGuard(3);
    for (const signature of ['v2=a', 'v2=b', 'v2=c', 'v2=d', 'v2=e']) {
      expect(guard.admit(signature, 10_000, 0)).toBe(true);
      expect(guard.size).toBeLessThanOrEqual(3);
    }
    expect(guard.admit('v2=e', 10_000, 1)).toBe(false);
    expect(guard.admit('v2=c', 10_000, 1)).toBe(false);
    expect(guard.admit('v2=a', 10_000, 1)).toBe(true);
  });
});
