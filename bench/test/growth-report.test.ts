import { describe, expect, it } from 'vitest';
import {
  GROWTH_GOAL,
  growthOf,
  renderScaleMarkdown,
  type ScaleReport,
} from '../src/growth/report.js';
import type { MetricSpec } from '../src/measurements/types.js';
import type { MeasurementResult, MetricResult } from '../src/runner.js';

const result = (headline: number, byRound = [headline]): MetricResult => ({
  samples: byRound,
  byRound,
  headline,
});

const time: MetricSpec = { id: 'load', title: 'load', unit: 'ms', better: 'lower' };
const rate: MetricSpec = { id: 'rate', title: 'rate', unit: 'events/s', better: 'higher' };

describe('growth against the reference store', () => {
  it('reads > 1 as slower on the stored data, whichever way the metric points', () => {
    expect(growthOf(time, result(10), result(15))).toBe(1.5);
    expect(growthOf(rate, result(1000), result(500))).toBe(2);
    expect(growthOf(rate, result(1000), result(1250))).toBe(0.8);
  });

  it('has no growth without both numbers', () => {
    expect(growthOf(time, result(10), undefined)).toBeUndefined();
    expect(growthOf(time, undefined, result(10))).toBeUndefined();
  });
});

describe('the --scale report', () => {
  const step = {
    finishedRuns: 0,
    runs: 1,
    seedSeconds: 2,
    settleSeconds: 1,
    verifySeconds: 0.5,
    bytesPerRun: 8000,
  };
  const load = (reference: number, stored: number, size: string): MeasurementResult => ({
    id: 'load-log',
    title: 'load a log',
    metrics: [time],
    wallMs: 1,
    subjects: {
      'w@reference': { status: 'ok', errors: [], metrics: { load: result(reference) } },
      [`w@${size}`]: { status: 'ok', errors: [], metrics: { load: result(stored) } },
    },
  });
  const report = (largest: number): ScaleReport => ({
    startedAt: '2026-01-01T00:00:00.000Z',
    wallSeconds: 60,
    scale: 'full',
    machine: { cpu: 'cpu', cores: 2, memoryGiB: 8, os: 'Linux', node: 'v20', loadAverage: [0.5] },
    command: 'pnpm bench --scale',
    sizes: [100_000, 1_000_000],
    worlds: [
      {
        world: 'w',
        label: 'w',
        reference: step,
        sizes: [
          { finishedRuns: 100_000, step, measurements: [load(10, 11, '100k')] },
          { finishedRuns: 1_000_000, step, measurements: [load(12, largest, '1M')] },
        ],
      },
    ],
  });

  it('shows each size beside the pooled reference, with its growth and the goal at the largest', () => {
    const markdown = renderScaleMarkdown(report(15));
    expect(markdown).toContain('| measurement | unit | reference (2k) | 100k | 1M |');
    expect(markdown).toContain('| load a log | ms | 11.0 | 11.0 (1.10×) | 15.0 (1.25×) ✅ |');
    expect(markdown).toContain('| seeding (bulk writes, then settling) | s | 3.0 | 3.0 | 3.0 |');
    expect(markdown).toContain('| bytes per stored run | B | 8,000 | 8,000 | 8,000 |');
  });

  it(`marks growth beyond ${GROWTH_GOAL}× at the largest size as missing the goal`, () => {
    expect(renderScaleMarkdown(report(24))).toContain('| 24.0 (2.00×) ❌ |');
  });

  it('sets the appends during a prune beside the same load without it', () => {
    const appends = (p50: number, p99: number, max: number) => ({
      latencies: { n: 1000, p50, p99, max },
      appendsPerSecond: 500,
    });
    const markdown = renderScaleMarkdown({
      ...report(15),
      pruneUnderLoad: [
        {
          world: 'w',
          seededRuns: 100_000,
          writers: 8,
          withoutPrune: appends(2, 4, 9),
          duringPrune: appends(3, 6, 20),
          pruneSeconds: 8,
        },
      ],
    });
    expect(markdown).toContain(
      '## A prune under load: 100k finished runs deleted while 8 writers append',
    );
    expect(markdown).toContain(
      '| w | 8.0 s | 12,500 | 500 → 500 | 2.00 → 3.00 | 4.00 → 6.00 (1.50×) | 9.00 → 20.0 |',
    );
  });
});
