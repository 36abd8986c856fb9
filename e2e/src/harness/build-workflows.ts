import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { e2eDirectory } from './paths.js';

const workflowsDirectory = path.join(e2eDirectory, 'workflows');
const bundles = path.join(e2eDirectory, '.well-known', 'workflow', 'v1');
const stampFile = path.join(bundles, '.e2e-source-hash');

/** A hash of everything the bundles depend on: the workflow sources and the toolchain versions. */
function sourceHash(): string {
  const hash = createHash('sha256');
  const files = readdirSync(workflowsDirectory, { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.[cm]?[jt]sx?$/.test(file))
    .sort();
  for (const file of files) {
    hash
      .update(file)
      .update('\0')
      .update(readFileSync(path.join(workflowsDirectory, file)));
  }
  for (const pkg of ['workflow', '@workflow/cli']) {
    const manifest = path.join(e2eDirectory, 'node_modules', pkg, 'package.json');
    hash.update(JSON.parse(readFileSync(manifest, 'utf8')).version);
  }
  return hash.digest('hex');
}

/**
 * Compiles `workflows/**` with the runtime's own `wf build` (standalone target) unless the
 * bundles on disk were built from the same sources. Returns whether it built.
 */
export function ensureWorkflowsBuilt(): boolean {
  const hash = sourceHash();
  const upToDate =
    existsSync(path.join(bundles, 'flow.js')) &&
    existsSync(stampFile) &&
    readFileSync(stampFile, 'utf8') === hash;
  if (upToDate) return false;
  execFileSync(path.join(e2eDirectory, 'node_modules', '.bin', 'wf'), ['build'], {
    cwd: e2eDirectory,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  writeFileSync(stampFile, hash);
  return true;
}
