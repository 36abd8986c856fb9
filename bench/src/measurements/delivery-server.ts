/**
 * A loopback HTTP server standing in for the app: it serves a World's own createQueueHandler on
 * the app's queue routes, as the runtime's route modules do.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FetchHandler = (request: Request) => Promise<Response>;

async function toWebRequest(request: IncomingMessage, baseUrl: string): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (let index = 0; index < request.rawHeaders.length; index += 2) {
    headers.append(request.rawHeaders[index]!, request.rawHeaders[index + 1]!);
  }
  const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
  return new Request(new URL(request.url ?? '/', baseUrl), {
    method: request.method,
    headers,
    body: request.method === 'GET' || request.method === 'HEAD' ? undefined : body,
  });
}

async function send(response: ServerResponse, result: Response): Promise<void> {
  response.writeHead(result.status, Object.fromEntries(result.headers));
  response.end(Buffer.from(await result.arrayBuffer()));
}

export class DeliveryServer {
  /** Set once the World is open: requests before that are refused with 503. */
  handler: FetchHandler | undefined;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<DeliveryServer> {
    let instance: DeliveryServer | undefined;
    const server = createServer((request, response) => {
      const handler = instance?.handler;
      if (!handler) {
        response.writeHead(503).end();
        return;
      }
      toWebRequest(request, instance!.url)
        .then(handler)
        .then((result) => send(response, result))
        .catch((error) => {
          response.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
        });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    instance = new DeliveryServer(server, `http://127.0.0.1:${port}`);
    return instance;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
