import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { WorldTarget } from './targets.js';

const requireHere = createRequire(import.meta.url);

/**
 * The 5.x face of a Worldkit World (`<package>/dist/v5.js`) as a file URL, for
 * WORKFLOW_TARGET_WORLD: under pnpm a workspace package does not resolve from the folder of the
 * 5.x runtime or of upstream's suite, so a bare `@worldkit/world-local/v5` may not load there.
 */
export function face5xUrl(target: Pick<WorldTarget, 'module'>): string {
  const packageDirectory = path.dirname(requireHere.resolve(`${target.module}/package.json`));
  return pathToFileURL(path.join(packageDirectory, 'dist', 'v5.js')).href;
}
