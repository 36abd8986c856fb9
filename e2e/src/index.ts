/**
 * Programmatic API of the e2e harness, for benchmarks and other tools: provision a World, start
 * app processes on it, drive runs through the control surface and wait for them.
 *
 * ```ts
 * import { ensureWorkflowsBuilt, TestDeployment, selectedTargets, waitForResult } from 'e2e';
 * ensureWorkflowsBuilt();
 * const deployment = await TestDeployment.create(selectedTargets('postgres')[0], 'bench');
 * const [app] = deployment.clients;
 * const result = await waitForResult(app, await app.start('oneStep', [21]));
 * await deployment.close();
 * ```
 */
export { AppProcess, worldSelectionEnv } from './harness/app-process.js';
export { ensureWorkflowsBuilt } from './harness/build-workflows.js';
export {
  AppClient,
  ControlError,
  type RefusalCounters,
  type RunResult,
  type RunSummary,
} from './harness/client.js';
export { TestDeployment } from './harness/deployment.js';
export {
  allTargets,
  type Deployment,
  selectedTargets,
  type WorldTarget,
} from './harness/targets.js';
export { pollUntil, waitForResult, waitForRuns } from './harness/wait.js';
export { type BenchmarkScenario, benchmarkScenarios } from './scenarios/benchmark.js';
