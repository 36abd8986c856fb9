import { describe, expect, it } from 'vitest';
import { retryDelayMs } from '../src/index.js';

const top = () => 0.999_999_999;
const bottom = () => 0;
const half = () => 0.5;

describe('retryDelayMs', () => {
  it.each([
    [1, 1_000],
    [2, 2_000],
    [3, 4_000],
    [6, 32_000],
    [7, 60_000],
    [48, 60_000],
    [10_000, 60_000],
  ])('caps attempt %i at %i ms with the defaults', (attempt, ceiling) => {
    expect(retryDelayMs(attempt, {}, top)).toBe(ceiling);
    expect(retryDelayMs(attempt, {}, half)).toBe(ceiling / 2);
    expect(retryDelayMs(attempt, {}, bottom)).toBe(0);
  });

  it('takes small values for tests', () => {
    expect(retryDelayMs(1, { baseMs: 5, maxMs: 20 }, top)).toBe(5);
    expect(retryDelayMs(4, { baseMs: 5, maxMs: 20 }, top)).toBe(20);
  });

  it('jitters over the whole range with the default random source', () => {
    const delays = Array.from({ length: 200 }, () => retryDelayMs(3));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...delays)).toBeLessThanOrEqual(4_000);
    expect(new Set(delays).size).toBeGreaterThan(50);
  });

  it('treats attempts below 1 or not finite as the first', () => {
    expect(retryDelayMs(0, {}, top)).toBe(1_000);
    expect(retryDelayMs(Number.NaN, {}, top)).toBe(1_000);
  });
});
