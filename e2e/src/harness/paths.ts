import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The workspace root, found from this file: right from `src/harness` (tests), from `dist` (the
 * built API and commands) and from another workspace package's build that bundles this harness.
 */
export const workspaceRoot = (() => {
  let directory = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(directory, 'pnpm-workspace.yaml'))) {
    const parent = path.dirname(directory);
    if (parent === directory)
      throw new Error('the e2e harness runs outside the Worldkit workspace');
    directory = parent;
  }
  return directory;
})();

/**
 * The e2e package directory: the app's working directory, where `wf build` writes its bundles
 * and from which the runtime resolves WORKFLOW_TARGET_WORLD.
 */
export const e2eDirectory = path.join(workspaceRoot, 'e2e');

export const serverEntry = path.join(e2eDirectory, 'dist', 'server.mjs');
export const countingWorldEntry = path.join(e2eDirectory, 'dist', 'counting-world.cjs');
