import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCliArgs, selected } from '../src/args.js';
import {
  baselinePairs,
  baselineSubjectId,
  besideCurrent,
  parseBaselineSubjectId,
} from '../src/baseline/ids.js';
import { packageEntry } from '../src/baseline/subjects.js';
import type { MetricSpec } from '../src/measurements/types.js';
import { advantage } from '../src/ratio.js';
import { type BenchReport, renderMarkdown } from '../src/report.js';
import type { MetricResult } from '../src/runner.js';

const rate: MetricSpec = { id: 'rate', title: 'rate', unit: 'events/s', better: 'higher' };
const latency: MetricSpec = { id: 'latency', title: 'latency', unit: 'ms', better: 'lower' };
const p99: MetricSpec = { ...latency, id: 'latency-p99', headline: 'p99' };

const metric = (headline: number, byRound: number[] = [headline]): MetricResult => ({
  samples: byRound,
  byRound,
  headline,
});

describe('--baseline on the command line', () => {
  it('takes a revision and refuses what git would read as an option', () => {
    expect(parseCliArgs(['--quick', '--baseline', 'cf488a0']).baseline).toBe('cf488a0');
    expect(parseCliArgs(['--baseline=main~3']).baseline).toBe('main~3');
    expect(parseCliArgs([]).baseline).toBeUndefined();
    expect(() => parseCliArgs(['--baseline=--output=x'])).toThrow(/git revision/);
    expect(() => parseCliArgs(['--baseline', ''])).toThrow(/git revision/);
    expect(() => parseCliArgs(['--baseline'])).toThrow();
  });

  it('names a missing baseline subject as one, saying --baseline makes it', () => {
    const known = [{ id: 'worldkit-postgres' }, { id: 'worldkit-postgres@cf488a0' }];
    expect(
      selected(known, 'worldkit-postgres@cf488a0,worldkit-postgres', 'subject').map((s) => s.id),
    ).toEqual(['worldkit-postgres', 'worldkit-postgres@cf488a0']);
    expect(() => selected(known, 'worldkit-redis@cf488a0', 'subject')).toThrow(/--baseline/);
    expect(() => selected(known, 'worldkit-redis', 'subject')).not.toThrow(/--baseline/);
  });
});

describe('baseline subject names', () => {
  it('are the current subject and the short hash, and parse back', () => {
    const id = baselineSubjectId('worldkit-postgres', 'cf488a0');
    expect(id).toBe('worldkit-postgres@cf488a0');
    expect(parseBaselineSubjectId(id)).toEqual({
      currentId: 'worldkit-postgres',
      shortSha: 'cf488a0',
    });
    expect(parseBaselineSubjectId('worldkit-postgres')).toBeUndefined();
    expect(parseBaselineSubjectId('@cf488a0')).toBeUndefined();
    expect(parseBaselineSubjectId('worldkit-postgres@')).toBeUndefined();
  });

  it('place each baseline right after its current subject', () => {
    const ids = (items: Array<{ id: string }>) => items.map((item) => item.id);
    const current = ['worldkit-local', 'upstream-local', 'worldkit-redis', 'upstream-redis'].map(
      (id) => ({ id }),
    );
    const baselines = ['worldkit-redis@cf488a0', 'worldkit-local@cf488a0', 'other@cf488a0'].map(
      (id) => ({ id }),
    );
    expect(ids(besideCurrent(current, baselines))).toEqual([
      'worldkit-local',
      'worldkit-local@cf488a0',
      'upstream-local',
      'worldkit-redis',
      'worldkit-redis@cf488a0',
      'upstream-redis',
      'other@cf488a0',
    ]);
  });

  it('pair up only when both sides were selected', () => {
    expect(
      baselinePairs(['worldkit-postgres', 'worldkit-postgres@cf488a0', 'worldkit-redis@cf488a0']),
    ).toEqual([{ current: 'worldkit-postgres', baseline: 'worldkit-postgres@cf488a0' }]);
  });
});

describe('current against baseline', () => {
  it('is > 1 when the current build is better, for rates and for times alike', () => {
    expect(advantage(rate, metric(1200), metric(1000))?.ratio).toBeCloseTo(1.2);
    expect(advantage(rate, metric(800), metric(1000))?.ratio).toBeCloseTo(0.8);
    expect(advantage(latency, metric(8), metric(10))?.ratio).toBeCloseTo(1.25);
    expect(advantage(latency, metric(10), metric(8))?.ratio).toBeCloseTo(0.8);
  });

  it('spreads the ratio taken round by round, except for a pooled p99', () => {
    // Round by round (baseline / current, times): 10/8, 10/10, 12/8, 9/9.
    const result = advantage(latency, metric(8, [8, 10, 8, 9]), metric(10, [10, 10, 12, 9]));
    expect(result?.perRound?.rounds).toBe(4);
    expect(result?.perRound?.p25).toBeCloseTo(1);
    expect(result?.perRound?.p75).toBeCloseTo(1.3125);
    expect(advantage(p99, metric(8, [8, 10]), metric(10, [10, 12]))?.perRound).toBeUndefined();
  });

  it('has no value when a side is missing or zero', () => {
    expect(advantage(rate, undefined, metric(1000))).toBeUndefined();
    expect(advantage(rate, metric(1000), { samples: [], byRound: [] })).toBeUndefined();
    expect(advantage(rate, metric(0), metric(1000))).toBeUndefined();
  });
});

describe('the report with a baseline', () => {
  const report: BenchReport = {
    startedAt: '2026-01-01T00:00:00.000Z',
    wallSeconds: 1,
    scale: 'quick',
    machine: { cpu: 'cpu', cores: 2, memoryGiB: 4, os: 'os', node: 'v20', loadAverage: [0] },
    command: 'pnpm bench --baseline cf488a0',
    subjects: ['worldkit-postgres', 'worldkit-postgres@cf488a0'].map((id) => ({
      id,
      label: id,
      backend: 'postgres',
      family: id.includes('@') ? 'baseline' : 'worldkit',
      status: 'measured',
    })),
    measurements: [
      {
        id: 'append-1',
        title: 'events.create, 1 writer',
        metrics: [rate],
        wallMs: 1,
        subjects: {
          'worldkit-postgres': { status: 'ok', errors: [], metrics: { rate: metric(1100) } },
          'worldkit-postgres@cf488a0': {
            status: 'ok',
            errors: [],
            metrics: { rate: metric(1000) },
          },
        },
      },
    ],
    goals: [],
    baseline: {
      revision: 'cf488a0',
      sha: 'cf488a00d481dde987c98e05b7065799b8949335',
      shortSha: 'cf488a0',
      directory: '/tmp/worldkit-bench-baseline/cf488a00d481dde987c98e05b7065799b8949335',
    },
  };

  it('shows the baseline beside the current World and their ratio per measurement', () => {
    const markdown = renderMarkdown(report);
    expect(markdown).toContain(
      '| measurement | unit | worldkit-postgres | worldkit-postgres@cf488a0 |',
    );
    expect(markdown).toContain('| measurement | worldkit-postgres vs @cf488a0 |');
    expect(markdown).toContain('| events.create, 1 writer | 1.10× |');
    expect(markdown).toContain('Subjects named `…@cf488a0` are the same Worlds built at `cf488a0`');
  });

  it('has no comparison table without a baseline', () => {
    const markdown = renderMarkdown({ ...report, baseline: undefined });
    expect(markdown).not.toContain('vs @cf488a0');
  });
});

describe('a baseline package entry', () => {
  const withManifest = async (manifest: object, use: (folder: string) => Promise<void>) => {
    const folder = await mkdtemp(path.join(tmpdir(), 'bench-entry-'));
    try {
      await writeFile(path.join(folder, 'package.json'), JSON.stringify(manifest));
      await use(folder);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  };

  it('is the file its exports name for import and for require, as an absolute path', () =>
    withManifest(
      {
        main: './dist/index.cjs',
        exports: {
          '.': {
            import: { types: './dist/index.d.ts', default: './dist/index.js' },
            require: { types: './dist/index.d.cts', default: './dist/index.cjs' },
          },
          './package.json': './package.json',
        },
      },
      async (folder) => {
        expect(await packageEntry(folder, 'import')).toBe(path.join(folder, 'dist', 'index.js'));
        expect(await packageEntry(folder, 'require')).toBe(path.join(folder, 'dist', 'index.cjs'));
      },
    ));

  it('falls back to module and main without exports', () =>
    withManifest({ module: './esm.js', main: './cjs.js' }, async (folder) => {
      expect(await packageEntry(folder, 'import')).toBe(path.join(folder, 'esm.js'));
      expect(await packageEntry(folder, 'require')).toBe(path.join(folder, 'cjs.js'));
    }));
});
