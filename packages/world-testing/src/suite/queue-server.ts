import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { QueueHandler, QueueMessageMeta, QueueRedelivery, World } from '@worldkit/world';

/** One delivery the app received. */
export interface ReceivedMessage {
  message: unknown;
  meta: QueueMessageMeta;
  at: number;
}

/** Decides what the app answers for one delivery of a queue (the default acknowledges). */
export type Behaviour = (
  received: ReceivedMessage,
  all: ReceivedMessage[],
) => Promise<void | QueueRedelivery> | void | QueueRedelivery;

/**
 * The app side of the queue cases: a local HTTP server on an ephemeral port that serves
 * `/.well-known/workflow/v1/{flow,step}` with handlers made by the World's own
 * `createQueueHandler`, as the runtime's route modules do. Each case listens on its own unique
 * queue name and records what arrives.
 */
export class QueueApp {
  private server: Server | undefined;
  private handlers:
    | { flow: (req: Request) => Promise<Response>; step: (req: Request) => Promise<Response> }
    | undefined;
  private readonly queues = new Map<
    string,
    { received: ReceivedMessage[]; behaviour: Behaviour }
  >();
  baseUrl = '';

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.serve(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.baseUrl = `http://127.0.0.1:${port}`;
    return this.baseUrl;
  }

  /** Serve deliveries with handlers made by `world` (detached, as the runtime calls it). */
  useHandlersOf(world: World): void {
    const create = world.createQueueHandler;
    const handler: QueueHandler = (message, meta) => this.dispatch(message, meta);
    this.handlers = {
      flow: create('__wkf_workflow_', handler),
      step: create('__wkf_step_', handler),
    };
  }

  /** Start recording deliveries of `queueName`. */
  listen(queueName: string, behaviour: Behaviour = () => undefined): ReceivedMessage[] {
    const received: ReceivedMessage[] = [];
    this.queues.set(queueName, { received, behaviour });
    return received;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async dispatch(
    message: unknown,
    meta: QueueMessageMeta,
  ): Promise<void | QueueRedelivery> {
    const queue = this.queues.get(meta.queueName);
    if (queue === undefined) return; // a leftover of an earlier case: acknowledge it
    const received = { message, meta, at: Date.now() };
    queue.received.push(received);
    return queue.behaviour(received, queue.received);
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const route = req.url?.match(/^\/\.well-known\/workflow\/v1\/(flow|step)(?:\?|$)/)?.[1] as
        | 'flow'
        | 'step'
        | undefined;
      if (route === undefined || this.handlers === undefined) {
        res.writeHead(404).end();
        return;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const headers = new Headers();
      for (const [key, value] of Object.entries(req.headers)) {
        if (typeof value === 'string') headers.set(key, value);
        else if (Array.isArray(value)) for (const item of value) headers.append(key, item);
      }
      const request = new Request(`${this.baseUrl}${req.url}`, {
        method: req.method ?? 'POST',
        headers,
        ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body: Buffer.concat(chunks) }),
      });
      const response = await this.handlers[route](request);
      res.writeHead(response.status, Object.fromEntries(response.headers.entries()));
      res.end(Buffer.from(await response.arrayBuffer()));
    } catch (error) {
      if (!res.headersSent) res.writeHead(500);
      res.end(String((error as Error)?.message ?? error));
    }
  }
}
