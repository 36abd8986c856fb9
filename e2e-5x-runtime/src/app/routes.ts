import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleDirectory } from '../../../e2e/src/app/bundles.ts';

/** A route module `wf build` emits: one handler per HTTP method. */
export type RouteModule = Record<string, (request: Request) => Promise<Response>>;

/**
 * The 5.x bundles' routes by path: the combined flow route, which serves step deliveries too
 * (5.x has no step route), and the webhook route. Importing the flow bundle registers the steps.
 */
export async function loadWorkflowRoutes(
  appDirectory: string,
): Promise<(pathname: string) => RouteModule | undefined> {
  const load = (file: string): Promise<RouteModule> =>
    import(pathToFileURL(path.join(bundleDirectory(appDirectory), file)).href);
  const flow = await load('flow.mjs');
  const webhook = await load('webhook.mjs');
  return (pathname) => {
    if (pathname === '/.well-known/workflow/v1/flow') return flow;
    if (pathname.startsWith('/.well-known/workflow/v1/webhook/')) return webhook;
    return undefined;
  };
}
