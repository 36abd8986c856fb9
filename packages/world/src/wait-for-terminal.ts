import { isTerminalRunStatus } from './schemas/runs.js';
import type { World } from './world.js';

export interface WaitForTerminalStatusParams {
  resolveData?: 'all' | 'none';
  /**
   * The longest the call may wait before it answers with the run as it is; a negative budget is
   * none, one that is not a finite number the default.
   */
  timeoutMs?: number;
  /** Ends the wait early; the call then answers with the run as it is. */
  signal?: AbortSignal;
}

/** The budget of a call that names none: below the usual 60 s request timeouts. */
export const DEFAULT_WAIT_TIMEOUT_MS = 50_000;
/** The first pause between reads: a run that is about to end is seen within a few ms. */
const FIRST_PAUSE_MS = 5;
/** The longest pause: a run that ends later is seen within this, at ten reads a second. */
const LONGEST_PAUSE_MS = 100;

/**
 * `runs.waitForTerminalStatus` of the 5.x line: the run once it is completed, failed or
 * cancelled, or as it stands when the budget runs out or `signal` aborts. A missing run fails as
 * `runs.get` fails.
 *
 * It reads `runs.get` with pauses that double up to 100 ms rather than waiting on a change
 * notification: the store is the one truth every process shares (several processes may write
 * one data directory, database or Redis), so a run ended by another process is seen as soon as
 * one ended here, and a lost notification can never hold the caller past its budget.
 */
export async function waitForTerminalStatus(
  runs: Pick<World['runs'], 'get'>,
  runId: string,
  { timeoutMs, signal, ...params }: WaitForTerminalStatusParams = {},
) {
  const budget = Number.isFinite(timeoutMs) ? Math.max(0, timeoutMs!) : DEFAULT_WAIT_TIMEOUT_MS;
  const deadline = Date.now() + budget;
  let pause = FIRST_PAUSE_MS;
  for (;;) {
    const run = await runs.get(runId, params);
    const remaining = deadline - Date.now();
    if (isTerminalRunStatus(run.status) || remaining <= 0 || signal?.aborted) return run;
    await pauseFor(Math.min(pause, remaining), signal);
    pause = Math.min(pause * 2, LONGEST_PAUSE_MS);
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function pauseFor(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
