/**
 * How the real runtime's time grows with a workflow's shape, through the e2e app: a run with no
 * step; 1, 10, 25 and 50 sequential steps, bare and carrying 16 KiB each; Promise.all and
 * Promise.race of 10, 25 and 50 steps; a 1 MiB stream handed through 5 steps. Each timed from
 * `start()` to the checked result, with the time per step of the sequential runs beside them.
 */

import { type E2eApi, type RuntimeScenario, runtimeMeasurement } from './runtime.js';
import type { MetricSpec } from './types.js';

const STEP_COUNTS = [1, 10, 25, 50];
const FAN_OUT = [10, 25, 50];
const DATA_BYTES = 16 * 1024;
const STREAM = { chunks: 64, size: 16 * 1024, stages: 5 };

const stepsTitle = (count: number) => (count === 1 ? '1 step' : `${count} sequential steps`);

const ms = (id: string, title: string): MetricSpec => ({ id, title, unit: 'ms', better: 'lower' });

async function timed(
  api: E2eApi,
  client: unknown,
  workflow: string,
  args: unknown[],
  check: (output: any) => boolean,
): Promise<number> {
  const app = client as { start(workflow: string, args: unknown[]): Promise<string> };
  const started = performance.now();
  const result = await api.waitForResult(client, await app.start(workflow, args));
  const elapsed = performance.now() - started;
  if (result.status !== 'completed' || !check(result.output)) {
    throw new Error(`${workflow}(${args.join(', ')}) ended ${JSON.stringify(result)}`);
  }
  return elapsed;
}

/** The word `sequentialSteps(count)` builds: one letter per step, from `a`. */
const lettersOf = (count: number) =>
  Array.from({ length: count }, (_, index) => String.fromCharCode(97 + index)).join('');

/** The tail `sequentialDataSteps` returns: one letter per step, `a` to `z` over and over. */
const tailOf = (count: number) =>
  Array.from({ length: count }, (_, index) => String.fromCharCode(97 + (index % 26))).join('');

const sameJson = (expected: unknown) => (output: unknown) =>
  JSON.stringify(output) === JSON.stringify(expected);

const GROWTH_SCENARIOS: RuntimeScenario[] = [
  {
    metric: ms('no-steps', 'no steps'),
    run: (api, client) => timed(api, client, 'noSteps', [7], (output) => output === 7),
  },
  ...STEP_COUNTS.map(
    (count): RuntimeScenario => ({
      metric: ms(`sequential-${count}`, stepsTitle(count)),
      run: (api, client) =>
        timed(api, client, 'sequentialSteps', [count], sameJson(lettersOf(count))),
      derived: [
        {
          metric: ms(`per-step-${count}`, `per step, ${stepsTitle(count)}`),
          of: (elapsed) => elapsed / count,
        },
      ],
    }),
  ),
  ...STEP_COUNTS.map(
    (count): RuntimeScenario => ({
      metric: ms(`data-${count}`, `${stepsTitle(count)}, 16 KiB each`),
      run: (api, client) =>
        timed(
          api,
          client,
          'sequentialDataSteps',
          [count, DATA_BYTES],
          sameJson({ length: DATA_BYTES, tail: tailOf(count) }),
        ),
    }),
  ),
  ...FAN_OUT.map(
    (count): RuntimeScenario => ({
      metric: ms(`all-${count}`, `Promise.all of ${count} steps`),
      run: (api, client) =>
        timed(
          api,
          client,
          'parallelSteps',
          [count],
          sameJson(Array.from({ length: count }, (_, index) => index * 2)),
        ),
    }),
  ),
  ...FAN_OUT.map(
    (count): RuntimeScenario => ({
      metric: ms(`race-${count}`, `Promise.race of ${count} steps`),
      run: (api, client) =>
        timed(
          api,
          client,
          'raceSteps',
          [count],
          (output) => Number.isInteger(output) && output >= 0 && output < count,
        ),
    }),
  ),
  {
    metric: ms('stream-5', '1 MiB stream through 5 steps'),
    run: (api, client) =>
      timed(
        api,
        client,
        'streamThroughSteps',
        [STREAM.chunks, STREAM.size, STREAM.stages],
        sameJson({
          bytes: STREAM.chunks * STREAM.size,
          sum: STREAM.chunks * STREAM.size * STREAM.stages,
        }),
      ),
  },
];

export const runtimeGrowth = runtimeMeasurement(
  'runtime-growth',
  'runtime, by workflow shape',
  GROWTH_SCENARIOS,
);
