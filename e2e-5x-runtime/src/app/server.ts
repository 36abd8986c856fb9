/**
 * The app: the 5.x `wf build` bundles served by a plain `node:http` server, as a user would
 * deploy them, plus the `/control/` surface. Runs on Node 22 (the 5.x runtime calls
 * `Promise.withResolvers`), from the package directory, where the runtime resolves
 * `WORKFLOW_TARGET_WORLD`. Prints `E2E_5X_APP_READY port=<port>` once it listens and the World's
 * consumers are started.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { getWorld } from 'workflow/runtime';
import { loadWorkflowIds } from '../../../e2e/src/app/bundles.ts';
import { sendWebResponse, toWebRequest } from '../../../e2e/src/app/node-web.ts';
import { createControlSurface } from './control.ts';
import { loadWorkflowRoutes } from './routes.ts';

const appDirectory = process.cwd();
const routeFor = await loadWorkflowRoutes(appDirectory);
const control = createControlSurface(loadWorkflowIds(appDirectory));

const server = http.createServer(async (req, res) => {
  try {
    const origin = `http://${req.headers.host ?? 'localhost'}`;
    const { pathname } = new URL(req.url ?? '/', origin);
    if (pathname.startsWith('/control/')) {
      return await control(req, res, pathname.slice('/control/'.length));
    }
    const handler = routeFor(pathname)?.[req.method ?? 'GET'];
    if (!handler) {
      res.writeHead(404).end();
      return;
    }
    await sendWebResponse(res, await handler(toWebRequest(req, origin)));
  } catch (error) {
    console.error('e2e-5x-runtime app: request failed', error);
    if (!res.headersSent) res.writeHead(500);
    res.end();
  }
});

// Outlive the clients' idle keep-alive (undici: 4 s), so a client never reuses a connection the
// server is closing at that moment.
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;

server.listen(0, async () => {
  const { port } = server.address() as AddressInfo;
  // Worldkit Worlds deliver queue messages back to this process through PORT.
  process.env.PORT = String(port);
  await (await getWorld()).start?.();
  process.stdout.write(`E2E_5X_APP_READY port=${port}\n`);
});

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  server.close();
  server.closeAllConnections();
  await ((await getWorld()) as { close?: () => Promise<void> }).close?.();
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
