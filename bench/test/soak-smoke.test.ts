/**
 * `--soak` end to end on one World for a few seconds: the report's shape, and what the soak is
 * for: with retention the runs stored stay bounded while without it they grow (never a timing).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SoakReport } from '../src/soak/report.js';
import type { SoakVariant } from '../src/soak/run.js';
import { type BenchRun, runBenchCli } from './bench-cli.js';

const WORLD = 'worldkit-redis';

let run: BenchRun<SoakReport>;
let report: SoakReport;
let markdown: string;

beforeAll(async () => {
  run = await runBenchCli<SoakReport>(['--soak', '--quick', '--subjects', WORLD], '-soak');
  ({ report, markdown } = run);
}, 120_000);

afterAll(() => run?.remove());

const variants = (): [SoakVariant, SoakVariant] => {
  const [world] = report.worlds;
  expect(world?.world).toBe(WORLD);
  expect(world?.failure).toBeUndefined();
  return [world!.withRetention!, world!.withoutRetention!];
};

describe('pnpm bench --soak', () => {
  it('samples both stores from empty to the end of the load, every run written', () => {
    for (const variant of variants()) {
      expect(variant.failures, variant.firstFailure).toBe(0);
      expect(variant.runsWritten).toBeGreaterThan(0);
      expect(variant.append?.n).toBeGreaterThan(0);
      expect(variant.samples.length).toBeGreaterThanOrEqual(3);
      expect(variant.samples[0]).toMatchObject({ seconds: 0, runsStored: 0, runsWritten: 0 });
      const seconds = variant.samples.map((sample) => sample.seconds);
      expect(seconds).toEqual([...seconds].sort((a, b) => a - b));
      expect(variant.samples.at(-1)?.runsWritten).toBe(variant.runsWritten);
      for (const sample of variant.samples) expect(sample.keys).toBeGreaterThanOrEqual(0);
    }
  });

  it('keeps every run without retention: the runs stored grow with the runs written', () => {
    const [, without] = variants();
    const stored = without.samples.map((sample) => sample.runsStored);
    expect(stored).toEqual([...stored].sort((a, b) => a - b));
    expect(stored.at(-1)).toBe(without.runsWritten);
    expect(without.retention).toBeNull();
  });

  it('bounds the runs stored with retention: the World pruned most of what it wrote', () => {
    const [withRetention] = variants();
    expect(withRetention.retention).toEqual(report.plan.retention);
    expect(withRetention.samples.at(-1)!.runsStored).toBeLessThan(withRetention.runsWritten / 2);
  });

  it('writes a table per World with a summary line per variant', () => {
    expect(markdown).toContain(`### ${WORLD}`);
    expect(markdown).toContain('| time (s) | size, with retention | runs stored |');
    const rows = markdown.split('\n').filter((line) => /^\| \d+ \|/.test(line));
    expect(rows).toHaveLength(variants()[0].samples.length);
    expect(markdown).toMatch(/- \*\*With retention\*\*: [\d.]+ MiB at the end/);
    expect(markdown).toMatch(/- \*\*Without\*\*: [\d.]+ MiB at the end/);
  });
});
