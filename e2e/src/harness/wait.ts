import { type AppClient, type RunResult, type RunSummary, TERMINAL } from './client.js';

export interface WaitOptions {
  /** Give up (and throw, naming the runs still open) after this long. Not an assertion on speed. */
  timeoutMs?: number;
  /** Pause between polls. */
  intervalMs?: number;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `check` returns a value other than undefined. */
export async function pollUntil<T>(
  what: string,
  check: () => Promise<T | undefined>,
  { timeoutMs = 60_000, intervalMs = 25 }: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await pause(intervalMs);
  }
}

/**
 * Waits until every run is terminal, polling `world.runs.get` through the control surface in
 * batches (the runtime's own `returnValue` polls once a second). `clients` may be several app
 * processes: each poll goes to the next one that answers, so a crashed process is skipped.
 */
export async function waitForRuns(
  clients: AppClient[],
  runIds: string[],
  { timeoutMs = 120_000, intervalMs = 50 }: WaitOptions = {},
): Promise<RunSummary[]> {
  const done = new Map<string, RunSummary>();
  const deadline = Date.now() + timeoutMs;
  let turn = 0;
  let open = runIds;
  while (open.length > 0) {
    for (let offset = 0; offset < open.length; offset += 500) {
      const batch = open.slice(offset, offset + 500);
      const summaries = await askAny(clients, turn++, (client) => client.summaries(batch));
      for (const summary of summaries)
        if (TERMINAL.has(summary.status)) done.set(summary.runId, summary);
    }
    open = open.filter((runId) => !done.has(runId));
    if (open.length === 0) break;
    if (Date.now() > deadline) {
      const sample = open.slice(0, 5).join(', ');
      throw new Error(
        `timed out after ${timeoutMs} ms: ${open.length} runs still open (${sample})`,
      );
    }
    await pause(intervalMs);
  }
  return runIds.map((runId) => done.get(runId)!);
}

/** Waits for one run and returns its result with the hydrated return value. */
export async function waitForResult(
  client: AppClient,
  runId: string,
  options?: WaitOptions,
): Promise<RunResult> {
  await waitForRuns([client], [runId], { intervalMs: 20, ...options });
  return client.result(runId);
}

async function askAny<T>(
  clients: AppClient[],
  turn: number,
  ask: (client: AppClient) => Promise<T>,
) {
  let lastError: unknown;
  for (let index = 0; index < clients.length; index++) {
    try {
      return await ask(clients[(turn + index) % clients.length]!);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}
