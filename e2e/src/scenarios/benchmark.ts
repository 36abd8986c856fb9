import type { AppClient } from '../harness/client.js';
import { pollUntil, waitForResult, waitForRuns } from '../harness/wait.js';

/**
 * The workloads a benchmark times on the e2e app. Each `run` performs one iteration, checks its
 * result (a wrong answer throws) and returns the elapsed milliseconds of the timed part.
 */
export interface BenchmarkScenario {
  name: string;
  run(client: AppClient): Promise<number>;
}

async function timedRun(client: AppClient, workflow: string, args: unknown[], expected: unknown) {
  const started = performance.now();
  const result = await waitForResult(client, await client.start(workflow, args));
  const elapsed = performance.now() - started;
  if (JSON.stringify(result.output) !== JSON.stringify(expected)) {
    throw new Error(`${workflow} returned ${JSON.stringify(result)}`);
  }
  return elapsed;
}

let hookCounter = 0;

export const benchmarkScenarios: BenchmarkScenario[] = [
  { name: 'one step', run: (client) => timedRun(client, 'oneStep', [21], 42) },
  {
    name: '10 sequential steps',
    run: (client) => timedRun(client, 'sequentialSteps', [10], 'abcdefghij'),
  },
  {
    name: 'Promise.all of 10 steps',
    run: (client) => timedRun(client, 'parallelSteps', [10], [0, 2, 4, 6, 8, 10, 12, 14, 16, 18]),
  },
  {
    // Timed from resumeHook() to the run's completion, once the hook is registered.
    name: 'hook round trip',
    async run(client) {
      const token = `bench-hook-${process.pid}-${hookCounter++}-${Date.now()}`;
      const runId = await client.start('waitForHook', [token]);
      await pollUntil('the hook to be registered', async () =>
        (await client.hooks(runId)).some((hook) => hook.token === token) ? true : undefined,
      );
      const started = performance.now();
      await client.resumeHook(token, { message: 'ping' });
      const result = await waitForResult(client, runId);
      const elapsed = performance.now() - started;
      if ((result.output as { received?: string })?.received !== 'ping') {
        throw new Error(`hook round trip returned ${JSON.stringify(result)}`);
      }
      return elapsed;
    },
  },
  {
    name: '20 concurrent runs',
    async run(client) {
      const started = performance.now();
      const runIds = await Promise.all(
        Array.from({ length: 20 }, (_, index) => client.start('oneStep', [index])),
      );
      const summaries = await waitForRuns([client], runIds, { intervalMs: 20 });
      const elapsed = performance.now() - started;
      const failed = summaries.filter((summary) => summary.status !== 'completed');
      if (failed.length > 0) throw new Error(`${failed.length} of 20 runs did not complete`);
      return elapsed;
    },
  },
];
