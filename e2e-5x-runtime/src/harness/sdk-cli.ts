import { type CliWorld, cliWorld5x } from '../../../e2e/src/harness/sdk-cli.js';
import type { WorldTarget } from '../../../e2e/src/harness/targets.js';
import type { RuntimeDeployment } from './deployment.js';

/**
 * A deployment's World for the 5.x CLI, by the package's `v5` subpath; deliveries of what the CLI
 * enqueues go to the deployment's first app.
 */
export function cliWorld5xOf(
  target: Pick<WorldTarget, 'name' | 'module'>,
  deployment: RuntimeDeployment,
): CliWorld {
  const world = cliWorld5x(target, deployment.storageEnv);
  return { ...world, env: { ...world.env, PORT: String(deployment.apps[0]!.port) } };
}
