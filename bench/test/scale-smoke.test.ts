/**
 * `--scale` end to end on one World at one small size: the seeding, both stores measured side by
 * side, and the report a reader gets (never a timing).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clonesFor } from '../src/growth/plan.js';
import type { ScaleReport } from '../src/growth/report.js';
import { type BenchRun, runBenchCli } from './bench-cli.js';

const MEASUREMENTS = ['runs-list', 'hooks-live', 'append-1'];

let run: BenchRun<ScaleReport>;
let report: ScaleReport;
let markdown: string;

beforeAll(async () => {
  const args = ['--scale', '--quick', '--sizes', '3k', '--rounds', '1', '--window-ms', '50'];
  run = await runBenchCli<ScaleReport>(
    [...args, '--subjects', 'worldkit-redis', '--measurements', MEASUREMENTS.join(',')],
    '-scale',
  );
  ({ report, markdown } = run);
}, 120_000);

afterAll(() => run?.remove());

describe('pnpm bench --scale', () => {
  it('seeds the reference store and the asked size', () => {
    const [world] = report.worlds;
    expect(world?.world).toBe('worldkit-redis');
    expect(world?.failure).toBeUndefined();
    expect(world?.reference?.runs).toBe(clonesFor(2_000));
    expect(world?.sizes.map((size) => [size.finishedRuns, size.step?.runs])).toEqual([
      [3_000, clonesFor(3_000)],
    ]);
  });

  it('measures both stores in every selected measurement', () => {
    const [size] = report.worlds[0]!.sizes;
    expect(size?.measurements.map((measurement) => measurement.id)).toEqual(MEASUREMENTS);
    for (const measurement of size!.measurements) {
      for (const subject of ['worldkit-redis@reference', 'worldkit-redis@3k']) {
        const record = measurement.subjects[subject];
        expect(record?.status, `${measurement.id} ${subject}: ${record?.reason}`).toBe('ok');
        for (const metric of measurement.metrics) {
          expect(record?.metrics[metric.id]?.samples.length).toBeGreaterThan(0);
        }
      }
    }
  });

  it('writes a table per World with a ratio per size', () => {
    expect(markdown).toContain('### worldkit-redis');
    expect(markdown).toContain('| measurement | unit | reference (2k) | 3k |');
    const rows = markdown.split('\n').filter((line) => line.startsWith('| runs.list'));
    expect(rows).toHaveLength(3);
    for (const row of rows) expect(row).toMatch(/\| [\d.,]+ \([\d.]+×\) [✅❌] \|$/);
  });
});
