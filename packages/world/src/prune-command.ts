/**
 * The `prune` command every World's CLI offers (`worldkit-postgres prune`, `worldkit-redis
 * prune`, `worldkit-local prune`): the same flags, the same output, the same exit codes.
 */
import { parseArgs } from 'node:util';
import type { PruneOptions, PruneReport } from './retention.js';

export const PRUNE_USAGE = `prune --older-than <age> [--dry-run] [--batch-size <n>]
            delete finished runs (completed, failed, cancelled) that finished longer ago than
            <age> (30d, 12h, 15m, 90s, or milliseconds), with everything they own; running
            and waiting runs are never touched. --dry-run lists what would go.`;

export interface PruneCommandOutput {
  log(line: string): void;
  error(line: string): void;
}

/**
 * Runs `prune` with `args` (the words after the command) against a World's `prune`. Returns the
 * exit code: 0 done, 2 usage error. A failure of the World itself is thrown to the caller, which
 * reports it as its other commands do.
 */
export async function runPruneCommand(
  args: string[],
  prune: (options: PruneOptions) => Promise<PruneReport>,
  output: PruneCommandOutput = console,
): Promise<number> {
  let values: { 'older-than'?: string; 'dry-run'?: boolean; 'batch-size'?: string };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        'older-than': { type: 'string' },
        'dry-run': { type: 'boolean' },
        'batch-size': { type: 'string' },
      },
      strict: true,
    }));
  } catch (error) {
    output.error(`${(error as Error).message}\nUsage: ${PRUNE_USAGE}`);
    return 2;
  }
  const olderThan = values['older-than'];
  if (olderThan === undefined) {
    output.error(`prune needs --older-than\nUsage: ${PRUNE_USAGE}`);
    return 2;
  }
  const batchSize = values['batch-size'] === undefined ? undefined : Number(values['batch-size']);
  const report = await prune({
    olderThan: /^\d+$/.test(olderThan) ? Number(olderThan) : olderThan,
    dryRun: values['dry-run'] === true,
    batchSize,
  }).catch((error: unknown) => {
    if ((error as { code?: unknown }).code !== 'INVALID_INPUT') throw error;
    output.error(`${(error as Error).message}\nUsage: ${PRUNE_USAGE}`);
    return undefined;
  });
  if (report === undefined) return 2;
  const before = report.cutoff.toISOString();
  if (report.dryRun) {
    output.log(`would delete ${report.runs} run(s) finished before ${before}`);
    for (const runId of report.runIds) output.log(runId);
  } else {
    output.log(`deleted ${report.runs} run(s) finished before ${before}`);
  }
  return 0;
}
