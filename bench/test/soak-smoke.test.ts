/**
 * `--soak` end to end on one World for a few seconds: the report's shape, and what the soak is
 * for: with retention the runs stored stay bounded while without it they grow (never a timing).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SoakReport } from '../src/soak/report.js';
import type { SoakVariant } from '../src/soak/run.js';

const cli = path.join(import.meta.dirname, '..', 'dist', 'cli.js');
const WORLD = 'worldkit-redis';

let out: string;
let report: SoakReport;
let markdown: string;

beforeAll(async () => {
  out = await mkdtemp(path.join(tmpdir(), 'bench-soak-smoke-'));
  await promisify(execFile)(
    process.execPath,
    [cli, '--soak', '--quick', '--subjects', WORLD, '--out', out],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  const files = await readdir(out);
  const json = files.find((file) => file.endsWith('-soak.json'));
  expect(json, `no report among ${files}`).toBeDefined();
  report = JSON.parse(await readFile(path.join(out, json!), 'utf8'));
  markdown = await readFile(path.join(out, json!.replace(/json$/, 'md')), 'utf8');
}, 120_000);

afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

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
