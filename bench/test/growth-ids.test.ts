import { idTime, isPrefixedUlid, newId } from '@worldkit/world';
import { describe, expect, it } from 'vitest';
import { cloneId, cloneOf, crockford } from '../src/growth/seed/ids.js';

describe('seeded ids', () => {
  it('encode base32 as ULIDs do', () => {
    const now = Date.now();
    const id = newId('run', now);
    expect(id.slice(5, 15)).toBe(crockford(now, 10));
    expect(crockford(0, 3)).toBe('000');
    expect(crockford(32 ** 3 - 1, 3)).toBe('ZZZ');
    expect(() => crockford(32 ** 3, 3)).toThrow(/does not fit/);
  });

  it('are prefixed ULIDs carrying the shifted time, as long as the template id', () => {
    const template = newId('event', 1_800_000_000_000);
    const clone = cloneOf(template, 4, 123_456, -3_600_000);
    expect(isPrefixedUlid(clone, 'event')).toBe(true);
    expect(idTime(clone)).toBe(1_800_000_000_000 - 3_600_000);
    expect(clone).toHaveLength(template.length);
    const token = `seedtok_${newId('hook').slice(5)}`;
    expect(cloneOf(token, 11, 5, 0)).toHaveLength(token.length);
  });

  it('sort in the template order within a clone and differ between clones', () => {
    const time = 1_800_000_000_000;
    const log = [0, 1, 2, 3].map((ordinal) => cloneId('evnt_', time, 7, ordinal));
    expect([...log].sort()).toEqual(log);
    expect(cloneId('wrun_', time, 7, 0)).not.toBe(cloneId('wrun_', time, 8, 0));
  });
});
