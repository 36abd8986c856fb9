import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** A route module emitted by `wf build`: one handler per HTTP method. */
export type RouteModule = Record<string, (request: Request) => Promise<Response>>;

/** Where `wf build` (standalone target) writes its bundles, relative to the app's directory. */
export function bundleDirectory(appDirectory: string): string {
  return path.join(appDirectory, '.well-known', 'workflow', 'v1');
}

/**
 * Loads the flow, step and webhook route modules. The flow and step bundles are CommonJS; the
 * webhook module is ESM source, which `require` loads through Node's module syntax detection.
 * Loading them constructs the World's queue handlers, exactly as a framework route would.
 */
export function loadRouteModules(
  appDirectory: string,
): Record<'flow' | 'step' | 'webhook', RouteModule> {
  const directory = bundleDirectory(appDirectory);
  const load = createRequire(path.join(directory, 'index.js'));
  return {
    flow: load('./flow.js') as RouteModule,
    step: load('./step.js') as RouteModule,
    webhook: load('./webhook.js') as RouteModule,
  };
}

/** The `{workflowId}` objects `start()` accepts, keyed by the workflow's exported name. */
export function loadWorkflowIds(appDirectory: string): Map<string, { workflowId: string }> {
  const manifest = JSON.parse(
    readFileSync(path.join(bundleDirectory(appDirectory), 'manifest.json'), 'utf8'),
  ) as { workflows: Record<string, Record<string, { workflowId: string }>> };
  const byName = new Map<string, { workflowId: string }>();
  for (const [file, workflows] of Object.entries(manifest.workflows)) {
    for (const [name, { workflowId }] of Object.entries(workflows)) {
      if (byName.has(name)) throw new Error(`workflow name ${name} is exported twice (${file})`);
      byName.set(name, { workflowId });
    }
  }
  return byName;
}
