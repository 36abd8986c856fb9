import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../src/args.js';
import { FULL_SOAK, QUICK_SOAK, soakPlan } from '../src/soak/plan.js';
import type { SoakSample } from '../src/soak/run.js';
import { lastHalfGrowth } from '../src/soak/run.js';

describe('--soak flags', () => {
  it('takes a duration as an age and a rate, with --soak only', () => {
    expect(parseCliArgs(['--soak', '--duration', '60s', '--rate', '80'])).toMatchObject({
      soak: true,
      durationMs: 60_000,
      rate: 80,
    });
    expect(parseCliArgs(['--soak', '--duration', '90000'])).toMatchObject({ durationMs: 90_000 });
    expect(parseCliArgs([])).toMatchObject({ soak: false, durationMs: undefined });
    expect(() => parseCliArgs(['--duration', '60s'])).toThrow('--duration and --rate need --soak');
    expect(() => parseCliArgs(['--soak', '--duration', '500ms'])).toThrow('at least 1s');
    expect(() => parseCliArgs(['--soak', '--duration', 'soon'])).toThrow('--duration');
    expect(() => parseCliArgs(['--soak', '--scale'])).toThrow('pick one');
  });

  it('changes only the duration and rate of the full or quick plan', () => {
    expect(soakPlan({ quick: false })).toEqual(FULL_SOAK);
    expect(soakPlan({ quick: true, durationMs: 30_000, rate: 5 })).toEqual({
      ...QUICK_SOAK,
      durationMs: 30_000,
      rate: 5,
    });
  });
});

describe('growth over the last half', () => {
  const sample = (seconds: number, bytes: number, runsStored: number): SoakSample => ({
    seconds,
    bytes,
    runsStored,
    runsWritten: 0,
    appendP99Ms: null,
    measureMs: 0,
  });

  it('runs from the sample nearest the middle to the last', () => {
    const samples = [sample(0, 0, 0), sample(10, 400, 4), sample(21, 500, 5), sample(41, 600, 5)];
    expect(lastHalfGrowth(samples)).toEqual({
      fromSeconds: 21,
      bytes: 100,
      share: 0.2,
      runsStored: 0,
    });
  });

  it('is negative when the store shrank', () => {
    const samples = [sample(0, 100, 1), sample(10, 800, 8), sample(20, 600, 6)];
    expect(lastHalfGrowth(samples)).toMatchObject({ fromSeconds: 10, bytes: -200, share: -0.25 });
  });
});
