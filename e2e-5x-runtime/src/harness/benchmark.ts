import type { AppClient } from './client.js';
import { resumeWhenCreated } from './hooks.js';
import { waitForOutcomes } from './wait.js';

/**
 * The workloads a benchmark times on the 5.x app, named as e2e names its 4.x ones so the two
 * lines share rows. Each `run` performs one iteration, checks its result (a wrong answer throws)
 * and returns the elapsed milliseconds of the timed part.
 */
export interface BenchmarkScenario {
  name: string;
  run(client: AppClient): Promise<number>;
}

/** Finer than the tests' polling: the poll interval bounds how exactly a run's end is seen. */
const POLL_INTERVAL_MS = 10;
const TIMEOUT_MS = 90_000;

async function completedOutcomes(client: AppClient, runIds: string[]): Promise<unknown[]> {
  const outcomes = await waitForOutcomes(client, runIds, TIMEOUT_MS, POLL_INTERVAL_MS);
  const failed = outcomes.filter((outcome) => outcome.status !== 'completed');
  if (failed.length > 0) {
    throw new Error(
      `${failed.length} of ${runIds.length} runs did not complete: ${JSON.stringify(failed[0])}`,
    );
  }
  return outcomes.map((outcome) => outcome.value);
}

async function timedRun(client: AppClient, workflow: string, args: unknown[], expected: unknown) {
  const started = performance.now();
  const [value] = await completedOutcomes(client, [await client.start(workflow, args)]);
  const elapsed = performance.now() - started;
  if (JSON.stringify(value) !== JSON.stringify(expected)) {
    throw new Error(`${workflow} returned ${JSON.stringify(value)}`);
  }
  return elapsed;
}

let hookCounter = 0;

export const benchmarkScenarios: BenchmarkScenario[] = [
  { name: 'one step', run: (client) => timedRun(client, 'sequentialSteps', [1], 'a') },
  {
    name: '10 sequential steps',
    run: (client) => timedRun(client, 'sequentialSteps', [10], 'abcdefghij'),
  },
  {
    name: 'Promise.all of 10 steps',
    run: (client) => timedRun(client, 'parallelSteps', [10], [0, 1, 4, 9, 16, 25, 36, 49, 64, 81]),
  },
  {
    // Timed from the resumeHook() call that found the hook to the run's completion.
    name: 'hook round trip',
    async run(client) {
      const token = `bench-hook-${process.pid}-${hookCounter++}-${Date.now()}`;
      const runId = await client.start('waitForHook', [token]);
      let attemptStarted = 0;
      const timedResume = (hookToken: string, payload: unknown) => {
        attemptStarted = performance.now();
        return client.resume(hookToken, payload);
      };
      await resumeWhenCreated({ resume: timedResume }, token, { message: 'ping' });
      const [value] = await completedOutcomes(client, [runId]);
      const elapsed = performance.now() - attemptStarted;
      if ((value as { received?: string })?.received !== 'ping') {
        throw new Error(`hook round trip returned ${JSON.stringify(value)}`);
      }
      return elapsed;
    },
  },
  {
    name: '20 concurrent runs',
    async run(client) {
      const started = performance.now();
      const runIds = await Promise.all(
        Array.from({ length: 20 }, () => client.start('sequentialSteps', [1])),
      );
      await completedOutcomes(client, runIds);
      return performance.now() - started;
    },
  },
];
