import {
  type DefinedWorld,
  defineWorld,
  EVERY_CAPABILITY,
  recoverActiveRuns,
} from '@worldkit/world';
import { type RedisWorldOptions, resolveConfig } from './config.js';
import { KeyLayout } from './keys.js';
import { persistenceWarning, readPersistence } from './persistence.js';
import { QueueConsumer } from './queue/consumer.js';
import { enqueue, hasLiveWorkflowMessage } from './queue/enqueue.js';
import { pruneRuns } from './retention/prune.js';
import { createStorage } from './storage/index.js';
import { StoreContext } from './store-context.js';
import { RedisStreams } from './streams/streams.js';

/** A World on Redis; it can always `prune()`. */
export type RedisWorld = DefinedWorld & Required<Pick<DefinedWorld, 'prune'>>;

const DEFAULT_DEPLOYMENT_ID = 'redis';

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

  async function start(): Promise<void> {
    // Throws before anything starts when the server is down, so start() can be called again.
    const warning = persistenceWarning(await readPersistence(store.redis()));
    if (warning !== undefined) config.logger.warn(warning);
    consumer = new QueueConsumer(store, config);
    consumer.start();
    if (config.recoverActiveRuns) {
      // A server lost after the consumer started must not fail the app's start: the consumer
      // keeps trying on its own, and the next process start recovers what this one could not.
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

  // defineWorld exposes `prune` whenever a World brings one, as this one does.
  return defineWorld({
    capabilities: EVERY_CAPABILITY,
    storage,
    streamer: {
      streamFlushIntervalMs: 1,
      writeToStream: (name, runId, chunk) => streams.write(name, runId, [chunk]),
      writeToStreamMulti: (name, runId, chunks) => streams.write(name, runId, chunks),
      closeStream: (name, runId) => streams.close(name, runId),
      readFromStream: (name, startIndex) => streams.read(name, startIndex),
      listStreamsByRunId: (runId) => streams.list(runId),
      getStreamChunks: (name, _runId, options) => streams.chunks(name, options),
      getStreamInfo: (name) => streams.info(name),
    },
    getDeploymentId: async () =>
      config.deploymentId ?? process.env.WORKFLOW_DEPLOYMENT_ID ?? DEFAULT_DEPLOYMENT_ID,
    enqueue: (queueName, payload, opts) => enqueue(store, queueName, payload, opts),
    queueSecret: config.queueSecret,
    start,
    prune: (options) => pruneRuns(store, options),
    retention: config.retention,
    async close() {
      await consumer?.stop();
      await streams.closeAll();
      await store.close();
    },
  }) as RedisWorld;
}
