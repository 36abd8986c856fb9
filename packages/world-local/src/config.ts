import path from 'node:path';
import type { RetentionPolicy } from '@worldkit/world';

/** How far a write has travelled when `events.create`, `queue()` or a stream write resolves. */
export type Durability = 'process' | 'fsync';

export interface LocalWorldOptions {
  /** Data directory; default `WORKFLOW_LOCAL_DATA_DIR`, then `.workflow-data` in the cwd. */
  dataDir?: string;
  /**
   * `process` (default): a write has reached the operating system before it is acknowledged, so
   * it survives the process crashing or being killed. `fsync`: it has also been flushed to stable
   * storage, so it survives power loss too, at the cost of a disk flush per write. Env:
   * `WORKFLOW_LOCAL_DURABILITY`.
   */
  durability?: Durability;
  /** Base URL of the app receiving queue deliveries; default `WORKFLOW_LOCAL_BASE_URL`, then `PORT`. */
  baseUrl?: string;
  /** Port of the app receiving queue deliveries, when no base URL is given. */
  port?: number;
  /** Default `WORKFLOW_DEPLOYMENT_ID`, then `dpl_local`. */
  deploymentId?: string;
  /** Deliveries in flight per process; default `WORKFLOW_QUEUE_CONCURRENCY`, then 100. */
  queueConcurrency?: number;
  /** How long a delivery's lease lasts without renewal; a live consumer renews it. Default 30 s. */
  leaseMs?: number;
  /** Queue polling fallback, for wake-ups the file watcher missed. Default 500 ms. */
  queuePollIntervalMs?: number;
  /** Sets both polling fallbacks (queue and streams) unless they are given one by one. */
  pollIntervalMs?: number;
  /** Stream readers' polling fallback. Default 100 ms. */
  streamPollIntervalMs?: number;
  /** First retry delay after a failed delivery; doubles per attempt. Default 1000 ms. */
  retryBaseMs?: number;
  /** Longest retry delay after failed deliveries. Default 60 s. */
  retryMaxMs?: number;
  /** Sets both `retryBaseMs` and `retryMaxMs`: every failed delivery waits up to this long. */
  retryDelayMs?: number;
  /** `start()` re-enqueues pending and running runs; default true unless `WORKFLOW_LOCAL_RECOVER_ACTIVE_RUNS` is 0/false. */
  recoverActiveRuns?: boolean;
  /** The per-run event ceiling reported to the runtime; default `WORKFLOW_MAX_EVENTS` (unset: none). */
  maxEvents?: number;
  /** Secret for signing deliveries; default `WORKFLOW_QUEUE_SECRET`. */
  queueSecret?: string;
  /** Runs whose state each process keeps in memory. Default 1000. */
  cachedRuns?: number;
  /** Longest wait for a run's lock before a retryable error. Default 30 s. */
  lockTimeoutMs?: number;
  /**
   * Delete finished runs older than `olderThan` in the background once started (see the README's
   * Retention). Default `retentionFromEnv()`: `WORKFLOW_RETENTION`, unset meaning never.
   */
  retention?: RetentionPolicy;
}

export interface ResolvedConfig {
  dataDir: string;
  durability: Durability;
  deploymentId: string;
  queueConcurrency: number;
  leaseMs: number;
  queuePollIntervalMs: number;
  streamPollIntervalMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  recoverActiveRuns: boolean;
  maxEvents: number | undefined;
  cachedRuns: number;
  lockTimeoutMs: number;
  baseUrl: string | undefined;
  port: number | undefined;
  queueSecret: string | undefined;
}

export function resolveConfig(options: LocalWorldOptions = {}): ResolvedConfig {
  const env = process.env;
  const durability =
    options.durability ?? (env.WORKFLOW_LOCAL_DURABILITY as Durability | undefined);
  if (durability !== undefined && durability !== 'process' && durability !== 'fsync') {
    throw new Error(`durability must be "process" or "fsync", got ${JSON.stringify(durability)}`);
  }
  return {
    dataDir: path.resolve(options.dataDir ?? env.WORKFLOW_LOCAL_DATA_DIR ?? '.workflow-data'),
    durability: durability ?? 'process',
    deploymentId: options.deploymentId ?? env.WORKFLOW_DEPLOYMENT_ID ?? 'dpl_local',
    queueConcurrency:
      options.queueConcurrency ??
      positive(env.WORKFLOW_QUEUE_CONCURRENCY) ??
      positive(env.WORKFLOW_LOCAL_QUEUE_CONCURRENCY) ??
      100,
    leaseMs: options.leaseMs ?? 30_000,
    queuePollIntervalMs: options.queuePollIntervalMs ?? options.pollIntervalMs ?? 500,
    streamPollIntervalMs: options.streamPollIntervalMs ?? options.pollIntervalMs ?? 100,
    retryBaseMs: options.retryBaseMs ?? options.retryDelayMs ?? 1000,
    retryMaxMs: options.retryMaxMs ?? options.retryDelayMs ?? 60_000,
    recoverActiveRuns:
      options.recoverActiveRuns ??
      !['0', 'false'].includes(env.WORKFLOW_LOCAL_RECOVER_ACTIVE_RUNS ?? ''),
    maxEvents: options.maxEvents ?? positive(env.WORKFLOW_MAX_EVENTS),
    cachedRuns: options.cachedRuns ?? 1000,
    lockTimeoutMs: options.lockTimeoutMs ?? 30_000,
    baseUrl: options.baseUrl,
    port: options.port,
    queueSecret: options.queueSecret ?? env.WORKFLOW_QUEUE_SECRET,
  };
}

function positive(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) && parsed > 0 ? parsed : undefined;
}
