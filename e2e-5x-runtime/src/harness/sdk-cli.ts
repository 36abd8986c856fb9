import path from 'node:path';
import {
  type CliWorld,
  type WorkflowCliInstall,
  workflowCliEnvOf,
} from '../../../e2e/src/harness/sdk-cli.js';
import type { WorldTarget } from '../../../e2e/src/harness/targets.js';
import type { RuntimeDeployment } from './deployment.js';
import { appDirectory } from './paths.js';

/** The 5.x SDK's CLI: the `workflow` package's own bin (`@workflow/cli` 5.0.0-beta.55). */
export const workflowCli5x: WorkflowCliInstall = {
  entry: path.join(appDirectory, 'node_modules', 'workflow', 'bin', 'run.js'),
  cwd: appDirectory,
};

/**
 * A deployment's World for the 5.x CLI, selected as a user of the 5.x line selects it: by the
 * package's `v5` subpath. Deliveries of what the CLI enqueues go to the deployment's first app.
 */
export function cliWorld5xOf(
  target: Pick<WorldTarget, 'name' | 'module'>,
  deployment: RuntimeDeployment,
): CliWorld {
  return {
    name: target.name,
    cli: workflowCli5x,
    env: {
      ...workflowCliEnvOf({
        ...deployment.storageEnv,
        WORKFLOW_TARGET_WORLD: `${target.module}/v5`,
      }),
      PORT: String(deployment.apps[0]!.port),
    },
  };
}
