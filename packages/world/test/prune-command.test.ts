import { describe, expect, it } from 'vitest';
import {
  type PruneOptions,
  type PruneReport,
  resolvePrune,
  runPruneCommand,
} from '../src/index.js';

function recorder() {
  const calls: PruneOptions[] = [];
  const lines: string[] = [];
  const errors: string[] = [];
  const prune = async (options: PruneOptions): Promise<PruneReport> => {
    calls.push(options);
    const { cutoff, dryRun } = resolvePrune(options, Date.parse('2026-12-04T00:00:00Z'));
    return { cutoff, dryRun, runs: 2, runIds: dryRun ? ['wrun_A', 'wrun_B'] : [] };
  };
  return {
    prune,
    calls,
    lines,
    errors,
    output: { log: (l: string) => lines.push(l), error: (l: string) => errors.push(l) },
  };
}

describe('the prune command', () => {
  it('deletes by age and says how many runs went and from before when', async () => {
    const r = recorder();
    expect(
      await runPruneCommand(['--older-than', '30d', '--batch-size', '50'], r.prune, r.output),
    ).toBe(0);
    expect(r.calls).toEqual([{ olderThan: '30d', dryRun: false, batchSize: 50 }]);
    expect(r.lines).toEqual(['deleted 2 run(s) finished before 2026-11-04T00:00:00.000Z']);
  });

  it('lists what would go with --dry-run, and takes a bare number as milliseconds', async () => {
    const r = recorder();
    expect(await runPruneCommand(['--older-than', '60000', '--dry-run'], r.prune, r.output)).toBe(
      0,
    );
    expect(r.calls[0]).toMatchObject({ olderThan: 60_000, dryRun: true });
    expect(r.lines).toEqual([
      'would delete 2 run(s) finished before 2026-12-03T23:59:00.000Z',
      'wrun_A',
      'wrun_B',
    ]);
  });

  it.each([
    [[]],
    [['--older-than']],
    [['--older-than', 'soon']],
    [['--older-than', '1d', '--force']],
  ])('is a usage error for %j, and deletes nothing', async (args) => {
    const r = recorder();
    const code = await runPruneCommand(
      args,
      async (options) => {
        resolvePrune(options);
        return r.prune(options);
      },
      r.output,
    );
    expect(code).toBe(2);
    expect(r.calls).toEqual([]);
    expect(r.errors.join('\n')).toContain('Usage: prune --older-than');
  });
});
