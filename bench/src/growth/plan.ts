/**
 * What `--scale` stores: how many runs at each size, which of them are finished or live, and the
 * status and workflow name of each, so every seeder writes the same data set and every filter
 * the measurements use is selective.
 *
 * Seeded runs are numbered 0, 1, 2, … ("clone numbers"). In every block of 101 numbers, 100 are
 * finished runs and the last is a live run (running, holding an active hook): one live hook per
 * 100 finished runs. Finished runs cycle through 20 statuses (16 completed, 3 failed, 1
 * cancelled) and, 20 at a time, through 10 workflow names, so every name has every status in the
 * same shares: a status filter on `cancelled` matches 5% of the runs, a name filter 10%.
 */

export const WORKFLOW_NAMES = Array.from(
  { length: 10 },
  (_, index) => `workflow//./bench/seed//flow${index}`,
);

export type FinishedStatus = 'completed' | 'failed' | 'cancelled';

const STATUS_CYCLE: FinishedStatus[] = [
  ...Array.from({ length: 16 }, () => 'completed' as const),
  'failed',
  'failed',
  'failed',
  'cancelled',
];

/** The filters the runs.list measurement uses: the rarest status and one workflow name. */
export const LIST_FILTERS = { status: 'cancelled' as const, workflowName: WORKFLOW_NAMES[3]! };

const BLOCK = 101;
const FINISHED_PER_BLOCK = 100;

export type SeededRun =
  | { kind: 'finished'; status: FinishedStatus; workflow: number }
  | { kind: 'live'; workflow: number };

/** What clone number `n` is. */
export function seededRun(n: number): SeededRun {
  const block = Math.floor(n / BLOCK);
  const position = n % BLOCK;
  if (position === FINISHED_PER_BLOCK) {
    return { kind: 'live', workflow: block % WORKFLOW_NAMES.length };
  }
  const finished = block * FINISHED_PER_BLOCK + position;
  return {
    kind: 'finished',
    status: STATUS_CYCLE[finished % STATUS_CYCLE.length]!,
    workflow: Math.floor(finished / STATUS_CYCLE.length) % WORKFLOW_NAMES.length,
  };
}

/** How many clones hold `finishedRuns` finished runs (with their live runs). */
export function clonesFor(finishedRuns: number): number {
  const blocks = Math.floor(finishedRuns / FINISHED_PER_BLOCK);
  return blocks * BLOCK + (finishedRuns % FINISHED_PER_BLOCK);
}

/** How many of the first `clones` clones are live runs. */
export function liveRunsAmong(clones: number): number {
  return Math.floor(clones / BLOCK);
}

/**
 * The smallest store whose first runs.list page (100 runs, the default page) is full for each
 * filter measured: the rarest status is 5% of the runs. It stands for "empty" in every ratio, so
 * a list page is compared with a list page of the same length, not with an empty one.
 */
export const REFERENCE_RUNS = 2_000;

/** The stored sizes, in finished runs, that `pnpm bench --scale` measures against the reference. */
export const FULL_SIZES = [100_000, 1_000_000];

/** `--scale --quick`: one small size, every code path in a minute. */
export const QUICK_SIZES = [10_000];

/** `--sizes 100k,1m,2500`: finished-run counts, ascending, each above the reference store. */
export function parseSizes(value: string): number[] {
  const sizes = value.split(',').map((part) => {
    const match = /^\s*(\d+(?:\.\d+)?)\s*([km]?)\s*$/i.exec(part);
    const factor = { '': 1, k: 1_000, m: 1_000_000 }[match?.[2]?.toLowerCase() ?? ''];
    const size = match && factor ? Number(match[1]) * factor : Number.NaN;
    if (!Number.isInteger(size) || size <= REFERENCE_RUNS) {
      throw new Error(
        `--sizes needs whole run counts above the reference store's ${REFERENCE_RUNS} (like 100k,1m), got "${part}"`,
      );
    }
    return size;
  });
  return [...new Set(sizes)].sort((a, b) => a - b);
}

/** A size as the report heads its column: 100k, 1M, 2,500. */
export function sizeLabel(size: number): string {
  if (size >= 1_000_000 && size % 1_000_000 === 0) return `${size / 1_000_000}M`;
  if (size >= 1_000 && size % 1_000 === 0) return `${size / 1_000}k`;
  return size.toLocaleString('en-US');
}
