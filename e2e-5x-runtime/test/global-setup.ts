import { selectedTargets } from '../../e2e/src/harness/targets.js';
import { ensureWorkflowsBuilt } from '../src/index.js';

/** Once per test command: the app servers need Node 22, and the workflows compiled by 5.x. */
export default function setup(): void {
  ensureWorkflowsBuilt();
  console.log(
    `5.x runtime Worlds: ${selectedTargets()
      .map((target) => target.name)
      .join(', ')}`,
  );
}
