import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createTestSuite } from '@workflow/world-testing';
import { afterAll, beforeAll, describe } from 'vitest';
import { assertNode22Runs, node22Binary } from '../../e2e/src/harness/node22.js';
import type { Deployment, WorldTarget } from '../../e2e/src/harness/targets.js';

const requireHere = createRequire(import.meta.url);

/**
 * The 5.x face of a Worldkit World as a file URL: upstream's suite imports WORKFLOW_TARGET_WORLD
 * from its own folder, where a workspace package does not resolve.
 */
function face5xUrl(target: WorldTarget): string {
  const packageDirectory = path.dirname(requireHere.resolve(`${target.module}/package.json`));
  return pathToFileURL(path.join(packageDirectory, 'dist', 'v5.js')).href;
}

/**
 * Upstream's own 5.x World suite (`@workflow/world-testing` 5.0.0-beta.35) against the 5.x face
 * of `target`, on fresh storage. Each of its tests starts a server of its own with this process's
 * environment, so the World's env and a Node 22 `node` first on PATH are set here for them.
 */
export function upstream5xSuite(target: WorldTarget): void {
  describe(`upstream @workflow/world-testing 5.0.0-beta.35 on ${target.name}`, () => {
    let deployment: Deployment | undefined;
    const saved = { ...process.env };

    beforeAll(async () => {
      assertNode22Runs();
      deployment = await target.provision(`upstream5x-${target.name}`);
      Object.assign(process.env, deployment.env, {
        // The runtime this suite bundles (@workflow/core 5.0.0-beta.35) requires spec 5 exactly.
        WORKFLOW_SPEC_VERSION: '5',
        PATH: `${path.dirname(node22Binary)}${path.delimiter}${process.env.PATH ?? ''}`,
      });
    });

    afterAll(async () => {
      for (const key of Object.keys(process.env)) {
        if (!(key in saved)) delete process.env[key];
      }
      Object.assign(process.env, saved);
      await deployment?.cleanup();
    });

    createTestSuite(face5xUrl(target));
  });
}
