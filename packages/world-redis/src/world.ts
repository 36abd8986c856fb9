import {
  createQueueHandler,
  type QueueHandler,
  type QueueOptions,
  type QueuePayload,
  recoverActiveRuns,
  SPEC_VERSION_CURRENT,
  type World,
  type WorldCapabilities,
  WorldClosedError,
} from '@worldkit/world';
import { type RedisWorldOptions, resolveConfig } from './config.js';
import { KeyLayout } from './keys.js';
import { persistenceWarning, readPersistence } from './persistence.js';
import { QueueConsumer } from './queue/consumer.js';
import { enqueue, hasLiveWorkflowMessage } from './queue/enqueue.js';
import { createStorage } from './storage/index.js';
import { StoreContext } from './store-context.js';
import { RedisStreams } from './streams/streams.js';

export type RedisWorld = World & {
  capabilities: WorldCapabilities;
  start(): Promise<void>;
  close(): Promise<void>;
};

const DEFAULT_DEPLOYMENT_ID = 'redis';

const CAPABILITIES: WorldCapabilities = {
  lastKnownEventIdFence: true,
  stateUpdatedAtGuard: true,
  durableQueue: true,
  durableStorage: true,
  multiProcess: true,
};

/**
 * A World on Redis. Synchronous and cheap: nothing connects until the first storage or queue
 * call, and nothing consumes until `start()`. May be called any number of times per process;
 * instances with the same URL share one command connection.
 */
export function createWorld(options: RedisWorldOptions = {}): RedisWorld {
  const config = resolveConfig(options);
  const store = new StoreContext(
    { url: config.url, cluster: config.cluster },
    new KeyLayout(config.prefix, config.keyTags),
    config.maxEvents,
  );
  const storage = createStorage(store);
  const streams = new RedisStreams(store, config);
  let consumer: QueueConsumer | undefined;
  let starting: Promise<void> | undefined;
  let closing: Promise<void> | undefined;

  async function start(): Promise<void> {
    const warning = persistenceWarning(await readPersistence(store.redis()));
    if (warning !== undefined) config.logger.warn(warning);
    consumer = new QueueConsumer(store, config);
    consumer.start();
    if (config.recoverActiveRuns) {
      // A server that is down at boot must not fail the app's start: the consumer keeps trying
      // on its own, and the next start() recovers what this one could not.
      await recoverRuns().catch((error: unknown) =>
        config.logger.warn(`[world-redis] recovery of active runs failed: ${String(error)}`),
      );
    }
  }

  async function recoverRuns(): Promise<void> {
    await recoverActiveRuns({
      runs: storage.runs,
      enqueue: (queueName, payload, options) => enqueue(store, queueName, payload, options),
      hasLiveMessage: (runId) => hasLiveWorkflowMessage(store, runId),
      onError: (error, { runId }) =>
        config.logger.warn(`[world-redis] recovery of run ${runId} failed: ${String(error)}`),
    });
  }

  return {
    specVersion: SPEC_VERSION_CURRENT,
    capabilities: CAPABILITIES,
    ...storage,

    getDeploymentId: async () =>
      config.deploymentId ?? process.env.WORKFLOW_DEPLOYMENT_ID ?? DEFAULT_DEPLOYMENT_ID,
    queue: (queueName: string, payload: QueuePayload, opts?: QueueOptions) =>
      enqueue(store, queueName, payload, opts),
    createQueueHandler: (prefix: string, handler: QueueHandler) =>
      createQueueHandler(
        prefix,
        handler,
        config.queueSecret === undefined ? {} : { secret: config.queueSecret },
      ),

    streamFlushIntervalMs: 1,
    writeToStream: (name, runId, chunk) => streams.write(name, runId, [chunk]),
    writeToStreamMulti: (name, runId, chunks) => streams.write(name, runId, chunks),
    closeStream: (name, runId) => streams.close(name, runId),
    readFromStream: (name, startIndex) => streams.read(name, startIndex),
    listStreamsByRunId: (runId) => streams.list(runId),
    getStreamChunks: (name, _runId, options) => streams.chunks(name, options),
    getStreamInfo: (name) => streams.info(name),

    start() {
      if (closing !== undefined) return Promise.reject(new WorldClosedError());
      starting ??= start();
      return starting;
    },
    close() {
      closing ??= (async () => {
        await starting?.catch(() => {});
        await consumer?.stop();
        await streams.closeAll();
        await store.close();
      })();
      return closing;
    },
  };
}
