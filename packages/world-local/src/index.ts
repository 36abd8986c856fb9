import {
  type ActiveRunLister,
  createQueueHandler,
  recoverActiveRuns,
  SPEC_VERSION_CURRENT,
  type Storage,
  type Streamer,
  type World,
  type WorldCapabilities,
  WorldClosedError,
} from '@worldkit/world';
import { type LocalWorldOptions, resolveConfig } from './config.js';
import { conformanceHooks } from './conformance.js';
import { Engine } from './engine.js';
import { AppendFiles } from './fs/append-file.js';
import { Layout } from './fs/layout.js';
import { QueueJournal } from './queue/queue-journal.js';

export type { Durability, LocalWorldOptions } from './config.js';

export interface LocalWorld extends World {
  capabilities: WorldCapabilities;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Engines shared by every World of this process with the same configuration. */
const engines = new Map<string, { engine: Engine; users: number }>();

/**
 * The filesystem World. Cheap and synchronous: nothing is touched on disk until the first call,
 * and only `start()` begins consuming the queue. Every World of a process with the same
 * configuration shares one engine (files, caches, queue loop).
 */
export function createWorld(options: LocalWorldOptions = {}): LocalWorld {
  const config = resolveConfig(options);
  const key = JSON.stringify(config);
  let engine: Engine | undefined;
  let closed = false;

  const use = (): Engine => {
    if (closed) throw new WorldClosedError();
    if (engine === undefined) {
      let shared = engines.get(key);
      if (shared === undefined) {
        shared = { engine: new Engine(config), users: 0 };
        engines.set(key, shared);
      }
      shared.users++;
      engine = shared.engine;
    }
    return engine;
  };

  const storage = delegateStorage(() => use().storage);
  const streamer = delegateStreamer(() => use().streamer);

  return {
    specVersion: SPEC_VERSION_CURRENT,
    capabilities: {
      lastKnownEventIdFence: true,
      stateUpdatedAtGuard: true,
      durableQueue: true,
      durableStorage: true,
      multiProcess: true,
    },
    ...storage,
    ...streamer,
    // Local writes are cheap: flush each buffered stream write at once.
    streamFlushIntervalMs: 1,

    async getDeploymentId() {
      return config.deploymentId;
    },
    async queue(queueName, payload, opts) {
      return use().queue.enqueue(queueName, payload, opts);
    },
    createQueueHandler(prefix, handler) {
      return createQueueHandler(prefix, handler, {
        ...(config.queueSecret === undefined ? {} : { secret: config.queueSecret }),
      });
    },
    async start() {
      const current = use();
      current.queue.start();
      if (config.recoverActiveRuns) await recoverRuns(current);
    },
    async close() {
      if (closed || engine === undefined) {
        closed = true;
        return;
      }
      closed = true;
      const shared = engines.get(key);
      if (shared === undefined || shared.engine !== engine) return;
      shared.users--;
      if (shared.users > 0) return;
      engines.delete(key);
      await engine.close();
    },
  };
}

export default createWorld;

/** How the conformance CLI opens this World: a temporary data directory per area. */
export const conformance = conformanceHooks(createWorld);

export interface QueuedMessageSummary {
  id: string;
  queueName: string;
  /** Epoch ms of the next delivery. */
  due: number;
  /** Number of the next delivery. */
  attempt: number;
  idempotencyKey?: string;
  /** A consumer is delivering it now. */
  leased: boolean;
}

/** The messages not yet acknowledged in a data directory's queue: for diagnostics and tests. */
export function listQueuedMessages(
  options: Pick<LocalWorldOptions, 'dataDir'> = {},
): QueuedMessageSummary[] {
  const files = new AppendFiles(1, false);
  const journal = new QueueJournal(new Layout(resolveConfig(options).dataDir).queueJournal, files);
  try {
    journal.refresh();
  } finally {
    files.closeAll();
  }
  return [...journal.messages.values()].map((message) => ({
    id: message.id,
    queueName: message.queueName,
    due: message.due,
    attempt: message.attempt,
    leased: message.lease !== undefined,
    ...(message.idempotencyKey === undefined ? {} : { idempotencyKey: message.idempotencyKey }),
  }));
}

/**
 * Wakes every pending or running run once after a restart, skipping runs that already have a
 * live workflow message (a sleeping run's delayed wake-up, a queued replay): the durable queue
 * kept those, and a second message would only cost a duplicate replay.
 */
async function recoverRuns(engine: Engine): Promise<void> {
  const queued = new Set<string>();
  for (const message of engine.queue.live()) {
    const runId = (message.payload as { runId?: unknown } | null)?.runId;
    if (typeof runId === 'string') queued.add(runId);
  }
  await recoverActiveRuns({
    runs: engine.storage.runs as ActiveRunLister,
    enqueue: (queueName, payload, options) => engine.queue.enqueue(queueName, payload, options),
    hasLiveMessage: (runId) => queued.has(runId),
  });
}

/**
 * Storage calls run their file work synchronously, so an `await` on one would otherwise resolve
 * without ever giving the event loop a turn: a caller polling in a loop (a reader tailing a log)
 * would starve timers, sockets and child-process pipes. Each call first yields once, as real I/O
 * would.
 */
function afterTurn<T>(call: () => Promise<T>): Promise<T> {
  return new Promise<void>((resolve) => setImmediate(resolve)).then(call);
}

function delegateStorage(storage: () => Storage): Storage {
  return {
    runs: {
      get: (...args: [any, any?]) => afterTurn(() => storage().runs.get(...args)),
      list: (...args: [any?]) => afterTurn(() => storage().runs.list(...args)),
    } as Storage['runs'],
    steps: {
      get: (...args: [any, any, any?]) => afterTurn(() => storage().steps.get(...args)),
      list: (...args: [any]) => afterTurn(() => storage().steps.list(...args)),
    } as Storage['steps'],
    events: {
      create: (...args: [any, any, any?]) => afterTurn(() => storage().events.create(...args)),
      get: (...args) => afterTurn(() => storage().events.get(...args)),
      list: (...args) => afterTurn(() => storage().events.list(...args)),
      listByCorrelationId: (...args) =>
        afterTurn(() => storage().events.listByCorrelationId(...args)),
    } as Storage['events'],
    hooks: {
      get: (...args) => afterTurn(() => storage().hooks.get(...args)),
      getByToken: (...args) => afterTurn(() => storage().hooks.getByToken(...args)),
      list: (...args) => afterTurn(() => storage().hooks.list(...args)),
    },
  };
}

function delegateStreamer(streamer: () => Engine['streamer']) {
  return {
    writeToStream: (...args) => afterTurn(() => streamer().writeToStream(...args)),
    writeToStreamMulti: (...args) => afterTurn(() => streamer().writeToStreamMulti!(...args)),
    closeStream: (...args) => afterTurn(() => streamer().closeStream(...args)),
    readFromStream: (...args) => streamer().readFromStream(...args),
    listStreamsByRunId: (...args) => afterTurn(() => streamer().listStreamsByRunId(...args)),
    getStreamChunks: (...args) => afterTurn(() => streamer().getStreamChunks(...args)),
    getStreamInfo: (...args) => afterTurn(() => streamer().getStreamInfo(...args)),
  } satisfies Omit<Streamer, 'streamFlushIntervalMs'>;
}
