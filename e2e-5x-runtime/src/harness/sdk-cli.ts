import {
  type CliWorld,
  workflowCli5x,
  workflowCliEnvOf,
} from '../../../e2e/src/harness/sdk-cli.js';
import type { WorldTarget } from '../../../e2e/src/harness/targets.js';
import type { RuntimeDeployment } from './deployment.js';

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
