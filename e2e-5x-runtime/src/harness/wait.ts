import { pollUntil } from '../../../e2e/src/harness/wait.js';
import { type AppClient, type RunOutcome, type RunStatus, TERMINAL } from './client.js';

/**
 * Waits until every run is terminal in the World (`runs.get`, polled in one batch through
 * `client`), then returns each run's status and its outcome through the runtime.
 */
export async function waitForOutcomes(
  client: AppClient,
  runIds: string[],
  timeoutMs = 90_000,
  intervalMs = 100,
): Promise<Array<RunStatus & RunOutcome>> {
  const statuses = await pollUntil(
    `${runIds.length} runs to end`,
    async () => {
      const current = await client.statuses(runIds);
      return current.every((run) => TERMINAL.has(run.status)) ? current : undefined;
    },
    { timeoutMs, intervalMs },
  );
  const outcomes = await client.outcomes(runIds);
  return statuses.map((status, index) => ({ ...status, ...outcomes[index]! }));
}
