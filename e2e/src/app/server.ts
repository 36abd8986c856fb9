/**
 * The e2e app: the `wf build` bundles served by a plain `node:http` server, as a user would
 * deploy them, plus the `/e2e/` control surface. The World comes from `WORKFLOW_TARGET_WORLD`,
 * resolved by the runtime from the working directory, which must be the e2e package.
 *
 * Prints `E2E_APP_READY port=<port>` once it listens and the World's consumers are started.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { getWorld } from 'workflow/runtime';
import { loadRouteModules, loadWorkflowIds, type RouteModule } from './bundles.js';
import { createControlSurface } from './control.js';
import { sendWebResponse, toWebRequest } from './node-web.js';

const READY_LINE = 'E2E_APP_READY';

const appDirectory = process.cwd();
const routeModules = loadRouteModules(appDirectory);
const control = createControlSurface(loadWorkflowIds(appDirectory));

/** The route module serving a path, as the framework adapters would mount them. */
function routeModuleFor(pathname: string): RouteModule | undefined {
  if (pathname === '/.well-known/workflow/v1/flow') return routeModules.flow;
  if (pathname === '/.well-known/workflow/v1/step') return routeModules.step;
  if (pathname.startsWith('/.well-known/workflow/v1/webhook/')) return routeModules.webhook;
  return undefined;
}

const server = http.createServer(async (req, res) => {
  try {
    const origin = `http://${req.headers.host ?? 'localhost'}`;
    const { pathname } = new URL(req.url ?? '/', origin);
    if (pathname.startsWith('/e2e/')) return await control(req, res);
    const handler = routeModuleFor(pathname)?.[req.method ?? 'GET'];
    if (!handler) {
      res.writeHead(404).end();
      return;
    }
    await sendWebResponse(res, await handler(toWebRequest(req, origin)));
  } catch (error) {
    console.error('e2e app: request failed', error);
    if (!res.headersSent) res.writeHead(500);
    res.end();
  }
});

// Outlive the clients' idle keep-alive (undici: 4 s), so a client never reuses a connection the
// server is closing at that moment (an ECONNRESET under load).
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;

server.listen(0, async () => {
  const { port } = server.address() as AddressInfo;
  // Worlds deliver queue messages back to this process through PORT.
  process.env.PORT = String(port);
  await getWorld().start?.();
  process.stdout.write(`${READY_LINE} port=${port}\n`);
});

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  server.close();
  server.closeAllConnections();
  await (getWorld() as { close?: () => Promise<void> }).close?.();
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
