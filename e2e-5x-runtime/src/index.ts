/**
 * Programmatic API for benchmarks, in the shape of e2e's: the 5.x app on a World the runtime
 * loads, and the timed workloads, so one runtime measurement drives both lines.
 *
 * ```ts
 * import { ensureWorkflowsBuilt, TestDeployment, benchmarkScenarios } from 'e2e-5x-runtime';
 * ensureWorkflowsBuilt();
 * const deployment = await TestDeployment.create(target, 'bench');
 * const elapsed = await benchmarkScenarios[1].run(deployment.clients[0]);
 * await deployment.close();
 * ```
 */

import { assertNode22Runs } from '../../e2e/src/harness/node22.js';
import type { WorldTarget } from '../../e2e/src/harness/targets.js';
import { buildWorkflows } from './harness/build.js';
import type { AppClient } from './harness/client.js';
import { RuntimeDeployment } from './harness/deployment.js';
import { waitForOutcomes } from './harness/wait.js';

export { type BenchmarkScenario, benchmarkScenarios } from './harness/benchmark.js';

let built = false;

/** Compiles the workflows with the 5.x `wf build` once per process, after checking Node 22 runs. */
export function ensureWorkflowsBuilt(): void {
  if (built) return;
  assertNode22Runs();
  buildWorkflows();
  built = true;
}

/** A deployment of the World `target.module` names (a WORKFLOW_TARGET_WORLD value) as is. */
export const TestDeployment = {
  create: (target: Pick<WorldTarget, 'name' | 'module' | 'provision'>, label: string) =>
    RuntimeDeployment.create(target, label, { worldModule: target.module }),
};

/** Waits for one run to end: its status and, through the runtime, its value or error message. */
export async function waitForResult(client: AppClient, runId: string) {
  const [outcome] = await waitForOutcomes(client, [runId]);
  return { status: outcome!.status, output: outcome!.value, errorMessage: outcome!.error?.message };
}
