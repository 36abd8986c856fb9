/**
 * The harness itself, end to end: `--quick` on the in-memory reference World through every World
 * API measurement, asserting the shape of what a reader gets (table, JSON, goals) and never a
 * timing. The real-runtime measurement is left out: it starts app processes and takes minutes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GOALS } from '../src/goals.js';
import { allMeasurements } from '../src/measurements/index.js';
import type { BenchReport } from '../src/report.js';
import { type BenchRun, runBenchCli } from './bench-cli.js';

const SUBJECT = 'memory';
const MEASUREMENTS = allMeasurements.map((m) => m.id).filter((id) => id !== 'runtime');

let run: BenchRun<BenchReport>;
let stdout: string;
let report: BenchReport;

beforeAll(async () => {
  run = await runBenchCli<BenchReport>([
    '--quick',
    '--rounds',
    '1',
    '--window-ms',
    '50',
    '--subjects',
    SUBJECT,
    '--measurements',
    MEASUREMENTS.join(','),
  ]);
  ({ stdout, report } = run);
}, 120_000);

afterAll(() => run?.remove());

describe('pnpm bench --quick', () => {
  it('describes the run and the machine', () => {
    expect(report.scale).toBe('quick');
    expect(report.wallSeconds).toBeGreaterThan(0);
    expect(report.machine.cores).toBeGreaterThan(0);
    expect(report.machine.node).toBe(process.version);
    expect(report.command).toContain('--quick');
  });

  it('measures the selected World in every selected measurement, with samples and a headline', () => {
    expect(report.subjects.map((subject) => [subject.id, subject.status])).toEqual([
      [SUBJECT, 'measured'],
    ]);
    expect(report.measurements.map((measurement) => measurement.id)).toEqual(MEASUREMENTS);
    for (const measurement of report.measurements) {
      const result = measurement.subjects[SUBJECT]!;
      expect(result.status, `${measurement.id}: ${result.reason}`).toBe('ok');
      expect(result.errors, measurement.id).toEqual([]);
      for (const metric of measurement.metrics) {
        const measured = result.metrics[metric.id];
        expect(measured?.samples.length, `${measurement.id}/${metric.id}`).toBeGreaterThan(0);
        expect(Number.isFinite(measured?.headline), `${measurement.id}/${metric.id}`).toBe(true);
        expect(measured?.summary?.p25).toBeLessThanOrEqual(measured!.summary!.p75);
      }
    }
  });

  it('reports every goal: measured when its subjects ran, missing otherwise', () => {
    expect(report.goals.map((goal) => goal.id)).toEqual(GOALS.map((goal) => goal.id));
    for (const [index, goal] of report.goals.entries()) {
      const { of, over } = GOALS[index]!;
      const onlySubject = [of, ...(over ? [over] : [])].every(
        ([, , subject]) => subject === SUBJECT,
      );
      if (onlySubject) {
        expect(Number.isFinite(goal.measured), goal.id).toBe(true);
        expect(['met', 'not met']).toContain(goal.status);
      } else {
        expect(goal.status, goal.id).toBe('missing');
      }
    }
  });

  it('prints the markdown table it writes, one row per metric', async () => {
    expect(run.markdown).toBe(stdout);
    const rows = stdout.split('\n').filter((line) => line.startsWith('| '));
    expect(rows[0]).toBe(`| measurement | unit | ${SUBJECT} |`);
    const metricCount = report.measurements.reduce((sum, m) => sum + m.metrics.length, 0);
    const dataRows = rows.slice(1, 1 + metricCount);
    expect(dataRows).toHaveLength(metricCount);
    for (const row of dataRows) expect(row).toMatch(/^\| .+ \| .+ \| [\d,.]+( \([\d,.–]+\))? \|$/);
    expect(stdout).toContain('| goal | target | measured |');
  });
});
