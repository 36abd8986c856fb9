import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../src/args.js';

describe('--scale flags', () => {
  it('takes the stored sizes with --scale only', () => {
    expect(parseCliArgs(['--scale', '--sizes', '50k,10k'])).toMatchObject({
      scale: true,
      sizes: [10_000, 50_000],
    });
    expect(parseCliArgs([])).toMatchObject({ scale: false, sizes: undefined });
    expect(() => parseCliArgs(['--sizes', '10k'])).toThrow('--sizes needs --scale');
  });
});
