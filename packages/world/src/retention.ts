/**
 * Retention: finished runs (completed, failed, cancelled) older than a configured age are deleted
 * with everything that belongs to them, so a store stays bounded. Each World deletes one run at a
 * time under that run's lock (a reader sees the whole run or none of it), and never a run that is
 * not finished. This module holds what every World shares: the options, their parsing, the
 * report, and the background schedule `defineWorld` runs.
 */
import { InvalidInputError } from './errors.js';

/** An age: milliseconds, or a number with a unit: `500ms`, `90s`, `15m`, `12h`, `30d`, `2w`. */
export type RetentionAge = number | string;

export interface PruneOptions {
  /** Finished runs that finished longer ago than this are deleted. */
  olderThan: RetentionAge;
  /** Report what would be deleted, and delete nothing. */
  dryRun?: boolean | undefined;
  /** Runs looked up and deleted per batch (default 100): small batches keep appends flowing. */
  batchSize?: number | undefined;
  /** Stop after this many runs (default: all that qualify). */
  limit?: number | undefined;
}

export interface PruneReport {
  /** Runs that finished before this time qualified. */
  cutoff: Date;
  dryRun: boolean;
  /** Runs deleted (or, with `dryRun`, that would be). */
  runs: number;
  /** With `dryRun`: their ids, oldest first. */
  runIds: string[];
}

/** The retention policy a World applies by itself, in the background, once started. */
export interface RetentionPolicy {
  olderThan: RetentionAge;
  /** Time between background prunes (default 10 minutes). */
  intervalMs?: number | undefined;
  /** Runs per batch (default 100). */
  batchSize?: number | undefined;
}

export const DEFAULT_PRUNE_BATCH_SIZE = 100;
export const DEFAULT_PRUNE_INTERVAL_MS = 10 * 60_000;
/** The pause between two batches of a background prune, which leaves the backend to the app. */
const BATCH_PAUSE_MS = 50;

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** An age in milliseconds; a clear `InvalidInputError` for anything else. */
export function retentionAgeMs(age: RetentionAge, field = 'olderThan'): number {
  if (typeof age === 'number') {
    if (Number.isFinite(age) && age >= 0) return age;
  } else {
    const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$/.exec(age);
    if (match !== null) return Number(match[1]) * UNIT_MS[match[2]!]!;
  }
  throw new InvalidInputError(
    field,
    `expected a non-negative number of milliseconds or an age like 30d, 12h, 15m, 90s (got ${JSON.stringify(age)})`,
  );
}

/** The checked options of one prune, with its cutoff taken from `now`. */
export function resolvePrune(
  options: PruneOptions,
  now = Date.now(),
): { cutoff: Date; dryRun: boolean; batchSize: number; limit: number } {
  const batchSize = options.batchSize ?? DEFAULT_PRUNE_BATCH_SIZE;
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new InvalidInputError('batchSize', 'expected a positive integer');
  if (limit !== Number.POSITIVE_INFINITY && (!Number.isInteger(limit) || limit < 1))
    throw new InvalidInputError('limit', 'expected a positive integer');
  return {
    cutoff: new Date(now - retentionAgeMs(options.olderThan)),
    dryRun: options.dryRun === true,
    batchSize,
    limit,
  };
}

/**
 * The policy from `WORKFLOW_RETENTION` (an age: `30d`), `WORKFLOW_RETENTION_INTERVAL` (an age)
 * and `WORKFLOW_RETENTION_BATCH_SIZE`, or undefined when retention is not set.
 */
export function retentionFromEnv(
  env: Record<string, string | undefined> = process.env,
): RetentionPolicy | undefined {
  const olderThan = env.WORKFLOW_RETENTION;
  if (olderThan === undefined || olderThan.trim() === '') return undefined;
  retentionAgeMs(olderThan, 'WORKFLOW_RETENTION');
  const interval = env.WORKFLOW_RETENTION_INTERVAL;
  const batchSize = env.WORKFLOW_RETENTION_BATCH_SIZE;
  return {
    olderThan,
    ...(interval === undefined
      ? {}
      : { intervalMs: retentionAgeMs(interval, 'WORKFLOW_RETENTION_INTERVAL') }),
    ...(batchSize === undefined ? {} : { batchSize: Number(batchSize) }),
  };
}

/** Running background prunes; `stop()` waits for one in flight. */
export interface PruneSchedule {
  stop(): Promise<void>;
}

/**
 * Prunes by `policy` now and then every `intervalMs`, one batch at a time with a pause between
 * batches, so pruning runs at a low rate beside the app. A failed prune is reported to `onError`
 * and tried again at the next interval. The timer never keeps the process alive.
 */
export function schedulePruning(
  prune: (options: PruneOptions) => Promise<PruneReport>,
  policy: RetentionPolicy,
  onError: (error: unknown) => void,
): PruneSchedule {
  retentionAgeMs(policy.olderThan);
  const intervalMs = policy.intervalMs ?? DEFAULT_PRUNE_INTERVAL_MS;
  const batchSize = policy.batchSize ?? DEFAULT_PRUNE_BATCH_SIZE;
  let stopped = false;
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let endPause: (() => void) | undefined;

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      endPause = resolve;
      timer = setTimeout(resolve, ms);
      timer.unref?.();
    });

  const pruneAll = async () => {
    while (!stopped) {
      const report = await prune({ olderThan: policy.olderThan, batchSize, limit: batchSize });
      if (report.runs < batchSize) return;
      await pause(BATCH_PAUSE_MS);
    }
  };

  const tick = () => {
    running = pruneAll()
      .catch(onError)
      .finally(() => {
        running = undefined;
        if (!stopped) {
          timer = setTimeout(tick, intervalMs);
          timer.unref?.();
        }
      });
  };
  tick();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      endPause?.();
      await running;
    },
  };
}
