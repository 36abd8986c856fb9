import {
  type ActiveRunLister,
  type DefinedWorld,
  defineWorld,
  EVERY_CAPABILITY,
  recoverActiveRuns,
  retentionFromEnv,
  WorldClosedError,
} from '@worldkit/world';
import { type LocalWorldOptions, resolveConfig } from './config.js';
import { delegateStorage, delegateStreamer } from './delegates.js';
import { Engine } from './engine.js';

export type LocalWorld = DefinedWorld;

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

  return defineWorld({
    capabilities: EVERY_CAPABILITY,
    storage: delegateStorage(() => use().storage),
    // Local writes are cheap: flush each buffered stream write at once.
    streamer: { ...delegateStreamer(() => use().streamer), streamFlushIntervalMs: 1 },
    getDeploymentId: async () => config.deploymentId,
    enqueue: async (queueName, payload, opts) => use().queue.enqueue(queueName, payload, opts),
    queueSecret: config.queueSecret,
    prune: (options) => use().prune(options),
    retention: options.retention ?? retentionFromEnv(),
    async start() {
      // The queue loop starts once per engine; a start whose recovery failed may run again.
      const current = use();
      current.queue.start();
      if (config.recoverActiveRuns) await recoverRuns(current);
    },
    async close() {
      closed = true;
      if (engine === undefined) return;
      const shared = engines.get(key);
      if (shared === undefined || shared.engine !== engine) return;
      shared.users--;
      if (shared.users > 0) return;
      engines.delete(key);
      await engine.close();
    },
  });
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
