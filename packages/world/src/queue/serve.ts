import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DELIVERY_ROUTES } from './protocol.js';

/** A fetch-style route handler, as `createQueueHandler` returns. */
export type RequestHandler = (req: Request) => Promise<Response>;

export interface ServeQueueHandlersOptions {
  /** Interface to listen on (default `127.0.0.1`). */
  host?: string;
  /** Port to listen on (default 0: any free port). */
  port?: number;
  /** A path the routes live under, e.g. `/app` (default none). */
  basePath?: string;
}

export interface ServedQueueHandlers {
  /** What a World's `baseUrl` option (or `WORKFLOW_LOCAL_BASE_URL`) should be set to. */
  baseUrl: string;
  port: number;
  server: Server;
  /** Stops listening and drops open connections. Idempotent. */
  close(): Promise<void>;
}

/**
 * Serves queue handlers on a local HTTP server the way an app serves the runtime's routes:
 * `POST <basePath>/.well-known/workflow/v1/flow` goes to `flow`, `…/step` to `step`. A `GET` with
 * `?__health` on either route answers 200, like the runtime's health wrapper. For tests of Worlds
 * and of the conformance suite, and for small standalone servers.
 */
export async function serveQueueHandlers(
  handlers: { flow?: RequestHandler; step?: RequestHandler },
  options: ServeQueueHandlersOptions = {},
): Promise<ServedQueueHandlers> {
  const host = options.host ?? '127.0.0.1';
  const basePath = (options.basePath ?? '').replace(/\/+$/, '');
  const routes = new Map<string, RequestHandler | undefined>([
    [basePath + DELIVERY_ROUTES.workflow, handlers.flow],
    [basePath + DELIVERY_ROUTES.step, handlers.step],
  ]);

  const server = createServer((req, res) => {
    route(req, res, routes).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: (error as Error)?.message ?? String(error) }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    baseUrl: `http://${hostPart}:${port}${basePath}`,
    port,
    server,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

async function route(
  req: IncomingMessage,
  res: ServerResponse,
  routes: Map<string, RequestHandler | undefined>,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const handler = routes.get(url.pathname);
  if (handler === undefined) {
    sendJson(res, 404, { error: `nothing serves ${url.pathname}` });
    return;
  }
  if (req.method === 'GET' && url.searchParams.has('__health')) {
    sendJson(res, 200, { healthy: true, endpoint: url.pathname });
    return;
  }
  const response = await handler(await toWebRequest(req, url));
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(Buffer.from(await response.arrayBuffer()));
}

async function toWebRequest(req: IncomingMessage, url: URL): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  return new Request(`http://${req.headers.host ?? 'localhost'}${url.pathname}${url.search}`, {
    method: req.method ?? 'GET',
    headers,
    ...(hasBody ? { body: Buffer.concat(chunks) } : {}),
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
