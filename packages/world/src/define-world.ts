import { WorldClosedError } from './errors.js';
import { createQueueHandler } from './queue/handler.js';
import {
  type PruneOptions,
  type PruneReport,
  type PruneSchedule,
  type RetentionPolicy,
  schedulePruning,
} from './retention.js';
import {
  type Queue,
  SPEC_VERSION_CURRENT,
  type Storage,
  type Streamer,
  type World,
  type WorldCapabilities,
} from './world.js';

/** What one backend brings to a World; `defineWorld` adds the lifecycle every World shares. */
export interface WorldParts {
  capabilities: WorldCapabilities;
  storage: Storage;
  streamer: Streamer;
  getDeploymentId(): Promise<string>;
  /** `queue()`: resolves once the message is durable. */
  enqueue: Queue['queue'];
  /** Signs deliveries and verifies them in `createQueueHandler`. */
  queueSecret: string | undefined;
  /**
   * Starts consuming the queue and recovers active runs. When it fails it leaves nothing running,
   * so that the app may call `start()` again.
   */
  start(): Promise<void>;
  /** Stops consuming and releases the backend. Called once, after any start has settled. */
  close(): Promise<void>;
  /**
   * Deletes finished runs older than `options.olderThan` with all they own, one run at a time
   * under its lock; never a run that is not finished. Worlds that have it declare `retention`.
   */
  prune?(options: PruneOptions): Promise<PruneReport>;
  /** Prune in the background by this policy while the World is started. Needs `prune`. */
  retention?: RetentionPolicy | undefined;
}

export type DefinedWorld = World & {
  specVersion: number;
  capabilities: WorldCapabilities;
  start(): Promise<void>;
  close(): Promise<void>;
};

/**
 * A World over `parts`, with the one lifecycle every Worldkit World has: `start()` is idempotent
 * (a failed start is forgotten, so the app can retry it), `close()` is idempotent and waits for a
 * start in flight, and `start()` after `close()` is refused with `WorldClosedError`. Every member
 * is a closure, so the runtime may call any of them detached.
 */
export function defineWorld(parts: WorldParts): DefinedWorld {
  const signing = parts.queueSecret === undefined ? {} : { secret: parts.queueSecret };
  let starting: Promise<void> | undefined;
  let closing: Promise<void> | undefined;
  let pruning: PruneSchedule | undefined;
  const prune = parts.prune;
  if (parts.retention !== undefined && prune === undefined)
    throw new Error('a retention policy needs a World that can prune');

  return {
    specVersion: SPEC_VERSION_CURRENT,
    capabilities: parts.capabilities,
    ...parts.storage,
    ...parts.streamer,
    getDeploymentId: () => parts.getDeploymentId(),
    queue: parts.enqueue,
    createQueueHandler: (prefix, handler) => createQueueHandler(prefix, handler, signing),

    start() {
      if (closing !== undefined) return Promise.reject(new WorldClosedError());
      starting ??= parts.start().then(
        () => {
          if (parts.retention !== undefined && prune !== undefined && closing === undefined) {
            pruning = schedulePruning(prune, parts.retention, (error) =>
              console.warn(`[worldkit] background prune failed: ${(error as Error)?.message}`),
            );
          }
        },
        (error: unknown) => {
          starting = undefined;
          throw error;
        },
      );
      return starting;
    },

    close() {
      closing ??= (async () => {
        await starting?.catch(() => {});
        await pruning?.stop();
        await parts.close();
      })();
      return closing;
    },

    ...(prune === undefined
      ? {}
      : {
          prune: (options: PruneOptions) =>
            closing === undefined ? prune(options) : Promise.reject(new WorldClosedError()),
        }),
  };
}
