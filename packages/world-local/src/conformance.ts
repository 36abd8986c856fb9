import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { World } from '@worldkit/world';
import type { LocalWorldOptions } from './config.js';

/** The suite's timings, as `@worldkit/world-testing` passes them. */
export interface Timing {
  retryDelayMs: number;
  leaseMs: number;
  pollIntervalMs: number;
}

/**
 * Hooks for the conformance CLI (`npx worldkit-conformance @worldkit/world-local`): every area
 * gets its own temporary data directory, which child processes open through
 * `WORKFLOW_LOCAL_DATA_DIR`, and which is removed when the area is done.
 */
export function conformanceHooks(createWorld: (options: LocalWorldOptions) => World) {
  return {
    setup() {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'world-local-conformance-'));
      return {
        createWorld: (timing: Timing) => createWorld({ dataDir, ...timing }),
        processWorld: { module: ownModulePath(), env: { WORKFLOW_LOCAL_DATA_DIR: dataDir } },
        teardown() {
          fs.rmSync(dataDir, { recursive: true, force: true });
        },
      };
    },
  };
}

/** This package's entry, for child processes to open the same World. */
function ownModulePath(): string {
  return path.join(path.dirname(fileURLToPath(import.meta.url)), 'index.js');
}
