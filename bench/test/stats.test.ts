import { describe, expect, it } from 'vitest';
import { formatNumber, quantile, summarize } from '../src/stats.js';

describe('summaries', () => {
  it('takes the median and quartiles by interpolation', () => {
    expect(summarize([4, 1, 3, 2])).toEqual({
      n: 4,
      median: 2.5,
      p25: 1.75,
      p75: 3.25,
      min: 1,
      max: 4,
    });
    expect(quantile([10, 20], 0.99)).toBeCloseTo(19.9);
  });

  it('ignores non-finite samples and has no summary without samples', () => {
    expect(summarize([Number.NaN, 5])?.median).toBe(5);
    expect(summarize([])).toBeUndefined();
  });

  it('formats with three significant digits', () => {
    expect(formatNumber(12345.6)).toBe('12,346');
    expect(formatNumber(123.4)).toBe('123');
    expect(formatNumber(12.34)).toBe('12.3');
    expect(formatNumber(1.234)).toBe('1.23');
    expect(formatNumber(0.01234)).toBe('0.012');
  });
});
