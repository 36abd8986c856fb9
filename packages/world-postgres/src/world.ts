import {
  createDeliverer,
  defineWorld,
  EVERY_CAPABILITY,
  type PruneOptions,
  type PruneReport,
  recoverActiveRuns,
  retentionFromEnv,
  type World,
  type WorldCapabilities,
} from '@worldkit/world';
import { type PostgresWorldOptions, resolveConfig } from './config.js';
import { Database } from './database.js';
import { migrate } from './migrate.js';
import { Notifications } from './notifications.js';
import { pruneRuns } from './prune.js';
import { QueueConsumer } from './queue/consumer.js';
import { enqueue, hasLiveMessage } from './queue/enqueue.js';
import { retrying } from './retry.js';
import { createStorage } from './storage/index.js';
import { createStreamer } from './streams/index.js';

export interface PostgresWorld extends World {
  specVersion: number;
  capabilities: WorldCapabilities;
  start(): Promise<void>;
  close(): Promise<void>;
  /** Applies pending migrations now (start() and first use do it unless `migrate` is off). */
  migrate(): Promise<void>;
  /** Deletes finished runs older than `options.olderThan` with everything they own. */
  prune(options: PruneOptions): Promise<PruneReport>;
}

/**
 * A World on PostgreSQL. Synchronous and cheap: nothing connects until the World is used, and
 * nothing consumes the queue until `start()`. Every method is a closure (no `this`), so the
 * runtime may call `createQueueHandler` detached.
 */
export function createWorld(options: PostgresWorldOptions = {}): PostgresWorld {
  const config = resolveConfig(options);
  const db = new Database(config);
  let notifications: Notifications | undefined;
  const notificationsOf = () => {
    notifications ??= new Notifications(config);
    return notifications;
  };
  const storage = createStorage(db);
  const streamer = createStreamer({
    db,
    notifications: notificationsOf,
    pollIntervalMs: config.pollIntervalMs,
  });
  let consumer: QueueConsumer | undefined;
  const enqueueMessage: PostgresWorld['queue'] = (queueName, payload, opts) =>
    enqueue(db, queueName, payload, opts, () => consumer?.reserveLocalClaim());

  async function startConsuming(): Promise<void> {
    await readyWithin(config.startTimeoutMs);
    const deliverer = createDeliverer({
      ...(config.baseUrl === undefined ? {} : { baseUrl: config.baseUrl }),
      ...(config.queueSecret === undefined ? {} : { secret: config.queueSecret }),
    });
    consumer = new QueueConsumer({
      db,
      notifications: notificationsOf(),
      deliverer,
      concurrency: config.queueConcurrency,
      leaseMs: config.leaseMs,
      pollIntervalMs: config.pollIntervalMs,
      retryDelayMs: config.retryDelayMs,
    });
    consumer.start();
    if (config.recoverActiveRuns) {
      await recoverActiveRuns({
        runs: storage.runs,
        enqueue: enqueueMessage,
        hasLiveMessage: (runId, queueName) => hasLiveMessage(db, runId, queueName),
      });
    }
  }

  /** db.ready(), retried while the server is unreachable, for at most `timeoutMs`. */
  function readyWithin(timeoutMs: number): Promise<void> {
    return retrying(() => db.ready(), {
      firstPauseMs: 100,
      maxPauseMs: 2_000,
      deadline: Date.now() + timeoutMs,
      retryOn: (error) => (error as { code?: unknown }).code === 'TRANSPORT' && !db.isClosed,
    });
  }

  const world = defineWorld({
    capabilities: EVERY_CAPABILITY,
    storage,
    streamer,
    getDeploymentId: async () => config.deploymentId,
    enqueue: enqueueMessage,
    queueSecret: config.queueSecret,
    prune: (pruneOptions) => pruneRuns(db, pruneOptions),
    retention: options.retention ?? retentionFromEnv(),
    async start() {
      try {
        await startConsuming();
      } catch (error) {
        // The server down at boot: stop what started, so the app can call start() again.
        await consumer?.stop();
        consumer = undefined;
        throw error;
      }
    },
    async close() {
      await consumer?.stop();
      streamer.closeReaders();
      await notifications?.close();
      await db.close();
    },
  });

  return {
    ...world,
    // defineWorld exposes prune() (refused once closed) because the parts above bring one.
    prune: world.prune!,
    async migrate() {
      await migrate(db.pool, config.schema);
    },
  };
}
