import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { appDirectory } from './paths.js';

/**
 * Compiles `workflows/` with the 5.x runtime's own `wf build` (standalone target) into
 * `.well-known/workflow/v1/`: the combined flow route, its step registrations and the webhook
 * route. Always rebuilt (about 10 s), so the bundles never lag the sources.
 */
export function buildWorkflows(): void {
  execFileSync(path.join(appDirectory, 'node_modules', '.bin', 'wf'), ['build'], {
    cwd: appDirectory,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}
