import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The e2e package directory: the app's working directory, where `wf build` writes its bundles
 * and from which the runtime resolves WORKFLOW_TARGET_WORLD. Works from `src/harness` (tests)
 * and from `dist` (the built API and commands).
 */
export const e2eDirectory = (() => {
  let directory = path.dirname(fileURLToPath(import.meta.url));
  while (path.basename(directory) !== 'e2e' && path.dirname(directory) !== directory) {
    directory = path.dirname(directory);
  }
  return directory;
})();

export const serverEntry = path.join(e2eDirectory, 'dist', 'server.mjs');
export const countingWorldEntry = path.join(e2eDirectory, 'dist', 'counting-world.cjs');
