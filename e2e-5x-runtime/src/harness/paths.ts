import path from 'node:path';
import { workspaceRoot } from '../../../e2e/src/harness/paths.js';

/**
 * The package directory: the app's working directory, where `wf build` writes its bundles. From
 * the workspace root, so the harness finds it from its sources and from a build that bundles it.
 */
export const appDirectory = path.join(workspaceRoot, 'e2e-5x-runtime');
export const serverEntry = path.join(appDirectory, 'src', 'app', 'server.ts');
export const bumpCountingWorldEntry = path.join(
  appDirectory,
  'src',
  'app',
  'bump-counting-world.ts',
);
