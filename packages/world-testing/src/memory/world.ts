import {
  createDeliverer,
  type DefinedWorld,
  defineWorld,
  type RetentionPolicy,
  recoverActiveRuns,
  retentionFromEnv,
  retryDelayMs,
  type WorldCapabilities,
  WorldClosedError,
} from '@worldkit/world';
import { pruneMemoryBackend } from './prune.js';
import { type Consumer, MemoryQueue, type RetryDelay } from './queue.js';
import { createMemoryStorage, MemoryStore } from './storage.js';
import { createMemoryStreamer, MemoryStreams } from './streams.js';

/** The state several memory World instances can share: storage, queue and streams. */
export interface MemoryBackend {
  readonly store: MemoryStore;
  readonly queue: MemoryQueue;
  readonly streams: MemoryStreams;
}

export interface MemoryWorldOptions {
  /** Share state with other instances (`createMemoryBackend()`); a fresh backend by default. */
  backend?: MemoryBackend;
  /**
   * Where deliveries go: the app serving `/.well-known/workflow/v1/{flow,step}`. Read at delivery
   * time; defaults to `WORKFLOW_LOCAL_BASE_URL`, then `http://127.0.0.1:$PORT`.
   */
  baseUrl?: string;
  /**
   * Wait before redelivering a message whose handler failed, in ms, or a function of the failed
   * attempt. Default: the shared jittered exponential backoff (up to 1 s, doubling, at most
   * 60 s). Applies to the backend this instance creates (see `createMemoryBackend`).
   */
  retryDelayMs?: RetryDelay;
  /** Re-enqueue pending and running runs on `start()` (default true). */
  recoverActiveRuns?: boolean;
  /** Signs deliveries and verifies them in `createQueueHandler`; default `WORKFLOW_QUEUE_SECRET`. */
  queueSecret?: string;
  /** Reported with every returned run as `maxEvents`. */
  maxEvents?: number;
  /** `getDeploymentId()`: default `WORKFLOW_DEPLOYMENT_ID`, then `dpl_memory`. */
  deploymentId?: string;
  /** Prune finished runs in the background once started; default `retentionFromEnv()`. */
  retention?: RetentionPolicy;
}

/** What the memory World guarantees: both fences and retention; nothing survives the process. */
export const MEMORY_CAPABILITIES: WorldCapabilities = Object.freeze({
  lastKnownEventIdFence: true,
  stateUpdatedAtGuard: true,
  durableQueue: false,
  durableStorage: false,
  multiProcess: false,
  retention: true,
  batchWrites: true,
});

export function createMemoryBackend(
  options: Pick<MemoryWorldOptions, 'retryDelayMs'> = {},
): MemoryBackend {
  return {
    store: new MemoryStore(),
    queue: new MemoryQueue(options.retryDelayMs ?? ((attempt) => retryDelayMs(attempt))),
    streams: new MemoryStreams(),
  };
}

export type MemoryWorld = DefinedWorld;

/**
 * The in-memory reference World: storage on the reference state machine, a faithful (but not
 * durable) queue that delivers over HTTP, and live streams. Fast, synchronous to create, and
 * nothing runs until `start()`.
 */
export function createMemoryWorld(options: MemoryWorldOptions = {}): MemoryWorld {
  const backend = options.backend ?? createMemoryBackend(options);
  let closed = false;
  let consumer: (Consumer & { stop: AbortController; close(): void }) | undefined;
  const secret = options.queueSecret === undefined ? {} : { secret: options.queueSecret };
  const readers = new Set<(error: Error) => void>();
  const assertOpen = () => {
    if (closed) throw new WorldClosedError();
  };

  const storage = createMemoryStorage(
    backend.store,
    options.maxEvents === undefined ? {} : { maxEvents: options.maxEvents },
    assertOpen,
  );
  const streamer = createMemoryStreamer(backend.streams, readers, assertOpen);

  return defineWorld({
    capabilities: MEMORY_CAPABILITIES,
    storage,
    streamer,
    getDeploymentId: async () =>
      options.deploymentId ?? process.env.WORKFLOW_DEPLOYMENT_ID ?? 'dpl_memory',
    async enqueue(queueName, payload, opts) {
      assertOpen();
      return { messageId: backend.queue.enqueue(queueName, payload, opts) as never };
    },
    queueSecret: options.queueSecret,
    async prune(pruneOptions) {
      assertOpen();
      return pruneMemoryBackend(backend, pruneOptions);
    },
    retention: options.retention ?? retentionFromEnv(),

    async start() {
      const stop = new AbortController();
      const deliverer = createDeliverer({
        ...secret,
        ...(options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl }),
      });
      consumer = {
        stop,
        signal: stop.signal,
        deliver: (delivery) => deliverer.deliver(delivery),
        close: () => deliverer.close(),
      };
      backend.queue.addConsumer(consumer);
      if (options.recoverActiveRuns ?? true) {
        await recoverActiveRuns({
          runs: storage.runs as never,
          enqueue: async (queueName, payload, opts) => ({
            messageId: backend.queue.enqueue(queueName, payload, opts) as never,
          }),
          hasLiveMessage: (runId, queueName) => backend.queue.hasLiveMessage(runId, queueName),
        });
      }
    },

    async close() {
      closed = true;
      if (consumer !== undefined) {
        consumer.stop.abort();
        consumer.close();
        backend.queue.removeConsumer(consumer);
      }
      for (const fail of [...readers]) fail(new WorldClosedError());
    },
  });
}
