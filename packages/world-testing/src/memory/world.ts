import { SPEC_VERSION_CURRENT, type World, type WorldCapabilities } from '@worldkit/world';
import {
  type Consumer,
  defaultRetryDelayMs,
  httpDeliver,
  MemoryQueue,
  type RetryDelay,
} from './queue.js';
import { createMemoryStorage, MemoryStore } from './storage.js';
import { createMemoryStreamer, MemoryStreams, worldClosedError } from './streams.js';
import { createQueueHandler } from './transport.js';

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
   * attempt. Default: 1 s doubling up to 30 s. Only applies to backends this instance creates.
   */
  retryDelayMs?: RetryDelay;
  /** Reported with every returned run as `maxEvents`. */
  maxEvents?: number;
  /** `getDeploymentId()`: default `WORKFLOW_DEPLOYMENT_ID`, then `dpl_memory`. */
  deploymentId?: string;
}

/** What the memory World guarantees: both fences; nothing survives the process. */
export const MEMORY_CAPABILITIES: WorldCapabilities = Object.freeze({
  lastKnownEventIdFence: true,
  stateUpdatedAtGuard: true,
  durableQueue: false,
  durableStorage: false,
  multiProcess: false,
});

export function createMemoryBackend(
  options: Pick<MemoryWorldOptions, 'retryDelayMs'> = {},
): MemoryBackend {
  return {
    store: new MemoryStore(),
    queue: new MemoryQueue(options.retryDelayMs ?? defaultRetryDelayMs),
    streams: new MemoryStreams(),
  };
}

/**
 * The in-memory reference World: storage on the reference state machine, a faithful (but not
 * durable) queue that delivers over HTTP, and live streams. Fast, synchronous to create, and
 * nothing runs until `start()`.
 */
export function createMemoryWorld(options: MemoryWorldOptions = {}): World & {
  capabilities: WorldCapabilities;
  specVersion: number;
} {
  const backend = options.backend ?? createMemoryBackend(options);
  let closed = false;
  let consumer: (Consumer & { stop: AbortController }) | undefined;
  const readers = new Set<(error: Error) => void>();
  const assertOpen = () => {
    if (closed) throw worldClosedError();
  };

  const storage = createMemoryStorage(
    backend.store,
    options.maxEvents === undefined ? {} : { maxEvents: options.maxEvents },
    assertOpen,
  );
  const streamer = createMemoryStreamer(backend.streams, readers, assertOpen);

  return {
    specVersion: SPEC_VERSION_CURRENT,
    capabilities: MEMORY_CAPABILITIES,
    ...storage,
    ...streamer,

    async getDeploymentId() {
      return options.deploymentId ?? process.env.WORKFLOW_DEPLOYMENT_ID ?? 'dpl_memory';
    },

    async queue(queueName, payload, opts) {
      assertOpen();
      return { messageId: backend.queue.enqueue(queueName, payload, opts) as never };
    },

    createQueueHandler,

    async start() {
      assertOpen();
      if (consumer !== undefined) return;
      const stop = new AbortController();
      consumer = { stop, signal: stop.signal, deliver: httpDeliver(options.baseUrl, stop.signal) };
      backend.queue.addConsumer(consumer);
    },

    async close() {
      if (closed) return;
      closed = true;
      if (consumer !== undefined) {
        consumer.stop.abort();
        backend.queue.removeConsumer(consumer);
      }
      for (const fail of [...readers]) fail(worldClosedError());
    },
  };
}
