import { assertNode22Runs } from '../../e2e/src/harness/node22.js';
import { selectedTargets } from '../../e2e/src/harness/targets.js';
import { buildWorkflows } from '../src/harness/build.js';

/** Once per test command: the app servers need Node 22, and the workflows compiled by 5.x. */
export default function setup(): void {
  assertNode22Runs();
  buildWorkflows();
  console.log(
    `5.x runtime Worlds: ${selectedTargets()
      .map((target) => target.name)
      .join(', ')}`,
  );
}
