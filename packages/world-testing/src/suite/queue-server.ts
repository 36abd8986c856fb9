import {
  type QueueHandler,
  type QueueMessageMeta,
  type QueueRedelivery,
  type RequestHandler,
  type ServedQueueHandlers,
  serveQueueHandlers,
  type World,
} from '@worldkit/world';

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
 * The app side of the queue cases: a local HTTP server on an ephemeral port (the shared
 * `serveQueueHandlers`) that serves `/.well-known/workflow/v1/{flow,step}` with handlers made
 * by the World's own `createQueueHandler`, as the runtime's route modules do. Each case listens
 * on its own unique queue name and records what arrives.
 */
export class QueueApp {
  private served: ServedQueueHandlers | undefined;
  private handlers: { flow: RequestHandler; step: RequestHandler } | undefined;
  private readonly queues = new Map<
    string,
    { received: ReceivedMessage[]; behaviour: Behaviour }
  >();

  /** Starts serving the routes; returns the base URL to deliver to. */
  async start(): Promise<string> {
    // The routes forward to whichever World's handlers the current case installed.
    const forward =
      (route: 'flow' | 'step'): RequestHandler =>
      async (request) =>
        this.handlers === undefined
          ? Response.json({ error: 'no queue handler installed yet' }, { status: 503 })
          : this.handlers[route](request);
    this.served = await serveQueueHandlers({ flow: forward('flow'), step: forward('step') });
    return this.served.baseUrl;
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
    const served = this.served;
    this.served = undefined;
    await served?.close();
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
}
