import { describe, expect, it } from 'vitest';
import {
  clonesFor,
  LIST_FILTERS,
  liveRunsAmong,
  parseSizes,
  REFERENCE_RUNS,
  seededRun,
  sizeLabel,
  WORKFLOW_NAMES,
} from '../src/growth/plan.js';

describe('the seeded runs', () => {
  const clones = clonesFor(REFERENCE_RUNS);
  const runs = Array.from({ length: clones }, (_, n) => seededRun(n));
  const finished = runs.filter((run) => run.kind === 'finished');

  it('hold the asked number of finished runs and one live run per 100', () => {
    expect(clones).toBe(2_020);
    expect(finished).toHaveLength(REFERENCE_RUNS);
    expect(liveRunsAmong(clones)).toBe(20);
    expect(runs.filter((run) => run.kind === 'live')).toHaveLength(20);
    expect(clonesFor(250)).toBe(252);
    expect(liveRunsAmong(252)).toBe(2);
  });

  it('give every workflow name every status in the same shares', () => {
    for (const [workflow] of WORKFLOW_NAMES.entries()) {
      const named = finished.filter((run) => run.workflow === workflow);
      expect(named).toHaveLength(200);
      const count = (status: string) =>
        named.filter((run) => run.kind === 'finished' && run.status === status).length;
      expect([count('completed'), count('failed'), count('cancelled')]).toEqual([160, 30, 10]);
    }
  });

  it('make the list filters selective: 5% by status, 10% by name', () => {
    const cancelled = finished.filter(
      (run) => run.kind === 'finished' && run.status === LIST_FILTERS.status,
    );
    expect(cancelled.length / finished.length).toBe(0.05);
    const named = runs.filter((run) => WORKFLOW_NAMES[run.workflow] === LIST_FILTERS.workflowName);
    expect(named.length).toBe(202);
  });
});

describe('sizes', () => {
  it('parses run counts with k and m, ascending and once each', () => {
    expect(parseSizes('1m, 100k,2500,100000')).toEqual([2_500, 100_000, 1_000_000]);
    expect(parseSizes('2.5k')).toEqual([2_500]);
  });

  it('refuses what is not a run count above the reference store', () => {
    expect(() => parseSizes('2k')).toThrow(/above the reference/);
    expect(() => parseSizes('lots')).toThrow(/whole run counts/);
    expect(() => parseSizes('10.5')).toThrow(/whole run counts/);
  });

  it('labels sizes as the report heads them', () => {
    expect([1_000_000, 100_000, 2_000, 2_500].map(sizeLabel)).toEqual([
      '1M',
      '100k',
      '2k',
      '2,500',
    ]);
  });
});
