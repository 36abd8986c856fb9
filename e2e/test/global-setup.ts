import { existsSync } from 'node:fs';
import { ensureWorkflowsBuilt } from '../src/harness/build-workflows.js';
import { serverEntry } from '../src/harness/paths.js';
import { selectedTargets } from '../src/harness/targets.js';

/** Once per test command: compile the workflows (cached) and check the app was built. */
export default function setup(): void {
  if (!existsSync(serverEntry)) {
    throw new Error(`${serverEntry} is missing: run \`pnpm --filter e2e build\` first`);
  }
  ensureWorkflowsBuilt();
  console.log(
    `e2e Worlds: ${selectedTargets()
      .map((target) => target.name)
      .join(', ')}`,
  );
}
