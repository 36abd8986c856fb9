import { InvalidInputError, WorkflowWorldError } from './errors.js';
import { MAX_CANCEL_REASON_LENGTH } from './schemas/events.js';
import { isTerminalRunStatus } from './schemas/runs.js';
import type { World } from './world.js';

/** The most runs one `runs.cancelMany` call takes (the 5.x contract's bound). */
export const MAX_CANCEL_MANY_RUNS = 500;
/** Cancellations in flight at once: enough to hide each write's round trip, few enough to share. */
const CANCEL_CONCURRENCY = 16;

export interface CancelManyRequest {
  runIds: string[];
  /** Kept on each `run_cancelled` event, as a single cancellation's reason is. */
  cancelReason?: string;
}

/** What became of one run of a `runs.cancelMany` call. */
export type CancelOutcome =
  | { runId: string; outcome: 'cancelled' }
  | { runId: string; outcome: 'already_cancelled' }
  | { runId: string; outcome: 'not_cancellable'; status: string }
  | { runId: string; outcome: 'not_found' }
  | { runId: string; outcome: 'failed'; code: string; retryable: boolean };

export interface CancelManyResult {
  summary: {
    requested: number;
    cancelled: number;
    alreadyCancelled: number;
    notCancellable: number;
    notFound: number;
    failed: number;
  };
  /** One outcome per requested run, in the order requested. */
  results: CancelOutcome[];
}

/**
 * `runs.cancelMany` of the 5.x line: each run cancelled by its own `run_cancelled` write (under
 * the run's lock, so a cancellation racing the run's end is decided by the store), and each
 * outcome told apart: cancelled, already cancelled, not cancellable (it completed or failed; with
 * that status), not found, or failed (with the store's code, and whether a retry may pass). A
 * request out of bounds (no runs, more than 500, duplicates, a reason over 512 characters) is
 * refused whole, nothing written.
 */
export async function cancelMany(
  world: Pick<World, 'runs' | 'events'>,
  { runIds, cancelReason }: CancelManyRequest,
): Promise<CancelManyResult> {
  checkRequest(runIds, cancelReason);
  const eventData = cancelReason === undefined ? undefined : { cancelReason };
  const cancelOne = async (runId: string): Promise<CancelOutcome> => {
    try {
      // Read first, as a single cancellation does: the event carries the run's spec version, and
      // a run that has ended is answered without a write.
      const run = await world.runs.get(runId, { resolveData: 'none' });
      if (run.status === 'cancelled') return { runId, outcome: 'already_cancelled' };
      if (isTerminalRunStatus(run.status)) {
        return { runId, outcome: 'not_cancellable', status: run.status };
      }
      const result = await world.events.create(runId, {
        eventType: 'run_cancelled',
        specVersion: run.specVersion,
        ...(eventData === undefined ? {} : { eventData }),
      } as never);
      // Another caller cancelled it in between: cancelling a cancelled run writes nothing.
      return result.event === undefined
        ? { runId, outcome: 'already_cancelled' }
        : { runId, outcome: 'cancelled' };
    } catch (error) {
      return outcomeOfRefusal(world, runId, error);
    }
  };
  const results: CancelOutcome[] = new Array(runIds.length);
  let next = 0;
  const worker = async () => {
    while (next < runIds.length) {
      const index = next++;
      results[index] = await cancelOne(runIds[index]!);
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(CANCEL_CONCURRENCY, runIds.length) }, () => worker()),
  );
  return { summary: summaryOf(results), results };
}

function checkRequest(runIds: string[], cancelReason: string | undefined): void {
  if (runIds.length === 0 || runIds.length > MAX_CANCEL_MANY_RUNS) {
    throw new InvalidInputError(
      'runIds',
      `1 to ${MAX_CANCEL_MANY_RUNS} run ids, not ${runIds.length}`,
    );
  }
  if (new Set(runIds).size !== runIds.length) {
    throw new InvalidInputError('runIds', 'each run id once; duplicates found');
  }
  if (cancelReason !== undefined && cancelReason.length > MAX_CANCEL_REASON_LENGTH) {
    throw new InvalidInputError(
      'cancelReason',
      `at most ${MAX_CANCEL_REASON_LENGTH} characters, not ${cancelReason.length}`,
    );
  }
}

/** A refused cancellation as an outcome; the run's status tells a conflict's kind. */
async function outcomeOfRefusal(
  world: Pick<World, 'runs'>,
  runId: string,
  error: unknown,
): Promise<CancelOutcome> {
  const status = error instanceof WorkflowWorldError ? error.status : undefined;
  if (status === 404) return { runId, outcome: 'not_found' };
  if (status === 409) {
    const run = await world.runs.get(runId, { resolveData: 'none' }).catch(() => undefined);
    if (run?.status === 'cancelled') return { runId, outcome: 'already_cancelled' };
    if (run !== undefined) return { runId, outcome: 'not_cancellable', status: run.status };
  }
  const code = error instanceof WorkflowWorldError ? (error.code ?? 'WORLD_ERROR') : 'INTERNAL';
  // A refusal of the request itself (4xx) fails again as sent; anything else may pass later.
  return {
    runId,
    outcome: 'failed',
    code,
    retryable: status === undefined || status === 429 || status >= 500,
  };
}

function summaryOf(results: CancelOutcome[]): CancelManyResult['summary'] {
  const count = (outcome: CancelOutcome['outcome']) =>
    results.filter((result) => result.outcome === outcome).length;
  return {
    requested: results.length,
    cancelled: count('cancelled'),
    alreadyCancelled: count('already_cancelled'),
    notCancellable: count('not_cancellable'),
    notFound: count('not_found'),
    failed: count('failed'),
  };
}
