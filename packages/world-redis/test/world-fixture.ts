import { type QueueHandler, serveQueueHandlers } from '@worldkit/world';
import { createWorld, type RedisWorld, type RedisWorldOptions } from '../src/index.js';
import { deleteKeys, REDIS_URL, testPrefix } from './helpers.js';

export interface Delivered {
  message: unknown;
  attempt: number;
  queueName: string;
  messageId: string;
}

/**
 * A World whose queue routes are served on a local HTTP server, as an app serves them, with a
 * handler the test controls. Everything it made is closed and deleted by `dispose()`.
 */
export class WorldFixture {
  readonly prefix: string;
  readonly delivered: Delivered[] = [];
  handler: (message: unknown, meta: Delivered) => Promise<void | { timeoutSeconds: number }> =
    async () => {};
  private readonly worlds: RedisWorld[] = [];
  private readonly servers: { close(): Promise<void> }[] = [];

  constructor(label: string) {
    this.prefix = testPrefix(label);
  }

  /** A World on the fixture's prefix with its own served routes (started unless told not to). */
  async world(options: RedisWorldOptions = {}, { start = true } = {}): Promise<RedisWorld> {
    const probe = createWorld({ url: REDIS_URL, prefix: this.prefix });
    const record: QueueHandler = async (message, meta) => {
      const delivery = {
        message,
        attempt: meta.attempt,
        queueName: meta.queueName,
        messageId: meta.messageId,
      };
      this.delivered.push(delivery);
      return this.handler(message, delivery);
    };
    // Detached, as the runtime calls it.
    const { createQueueHandler } = probe;
    const served = await serveQueueHandlers({
      flow: createQueueHandler('__wkf_workflow_', record),
      step: createQueueHandler('__wkf_step_', record),
    });
    await probe.close();
    this.servers.push(served);
    const world = createWorld({
      url: REDIS_URL,
      prefix: this.prefix,
      baseUrl: served.baseUrl,
      pollIntervalMs: 50,
      leaseMs: 2_000,
      retryDelayMs: () => 0,
      recoverActiveRuns: false,
      logger: { warn: () => {} },
      ...options,
    });
    this.worlds.push(world);
    if (start) await world.start();
    return world;
  }

  deliveriesOf(messageId: string): Delivered[] {
    return this.delivered.filter((delivery) => delivery.messageId === messageId);
  }

  async dispose(): Promise<void> {
    await Promise.all(this.worlds.map((world) => world.close()));
    await Promise.all(this.servers.map((server) => server.close()));
    await deleteKeys(this.prefix);
  }
}
