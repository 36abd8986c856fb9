import { type RetentionPolicy, retentionFromEnv, retryDelayMs } from '@worldkit/world';

/** Factory options; each falls back to an environment variable, then to a default. */
export interface RedisWorldOptions {
  /** Connection URL: `WORKFLOW_REDIS_URL`, then `REDIS_URL`, then `redis://127.0.0.1:6379`. */
  url?: string;
  /** Key prefix: `WORKFLOW_REDIS_PREFIX`, default `worldkit`. Several Worlds may share a server. */
  prefix?: string;
  /**
   * Connect to a Redis Cluster (`WORKFLOW_REDIS_CLUSTER=1`): `url` names one or more seed nodes,
   * comma-separated, and `keyTags` defaults to `'single'`. See the README's Cluster notes.
   */
  cluster?: boolean;
  /**
   * Key tagging. `'run'` (default) gives every run its own hash tag; `'single'` puts every key of
   * this World under one tag, so each script's keys share a slot on Redis Cluster
   * (`WORKFLOW_REDIS_KEY_TAGS=single`).
   */
  keyTags?: 'run' | 'single';
  /** `getDeploymentId()`: `WORKFLOW_DEPLOYMENT_ID`, default `redis`. */
  deploymentId?: string;
  /** Base URL of the app for queue deliveries; default from `WORKFLOW_LOCAL_BASE_URL` / `PORT`. */
  baseUrl?: string;
  /** Deliveries in flight per process: `WORKFLOW_QUEUE_CONCURRENCY`, default 100. */
  queueConcurrency?: number;
  /** How long a claimed message stays leased without renewal (ms); default 30 s. */
  leaseMs?: number;
  /** How often a consumer looks for due messages without a wake-up (ms); default 1000. */
  pollIntervalMs?: number;
  /**
   * Backoff before a failed delivery is retried (ms): a fixed delay or a function of the attempt
   * that failed; default the shared exponential backoff with jitter.
   */
  retryDelayMs?: number | ((attempt: number) => number);
  /** How long a live stream reader blocks before it polls again (ms); default 1000. */
  streamPollIntervalMs?: number;
  /** Re-enqueue active runs on `start()`: default true. */
  recoverActiveRuns?: boolean;
  /** The per-run event ceiling reported to the runtime; none by default. */
  maxEvents?: number;
  /** Signs deliveries and refuses unsigned ones: `WORKFLOW_QUEUE_SECRET`. */
  queueSecret?: string;
  /** Receives warnings (persistence off, delivery failures); default `console.warn`. */
  logger?: { warn(message: string): void };
  /**
   * Prune finished runs in the background while started (see `prune()`). Default:
   * `WORKFLOW_RETENTION` (an age: `30d`), `WORKFLOW_RETENTION_INTERVAL` and
   * `WORKFLOW_RETENTION_BATCH_SIZE`; none when unset.
   */
  retention?: RetentionPolicy;
}

export interface RedisWorldConfig {
  url: string;
  cluster: boolean;
  prefix: string;
  keyTags: 'run' | 'single';
  /** The option, if given; otherwise `getDeploymentId()` reads the environment at call time. */
  deploymentId: string | undefined;
  baseUrl: string | undefined;
  queueConcurrency: number;
  leaseMs: number;
  pollIntervalMs: number;
  retryDelayMs: (attempt: number) => number;
  streamPollIntervalMs: number;
  recoverActiveRuns: boolean;
  maxEvents: number | undefined;
  queueSecret: string | undefined;
  logger: { warn(message: string): void };
  retention: RetentionPolicy | undefined;
}

const DEFAULT_URL = 'redis://127.0.0.1:6379';

export function resolveConfig(
  options: RedisWorldOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): RedisWorldConfig {
  const cluster = options.cluster ?? ['1', 'true'].includes(env.WORKFLOW_REDIS_CLUSTER ?? '');
  const keyTags =
    options.keyTags ?? (env.WORKFLOW_REDIS_KEY_TAGS === 'single' || cluster ? 'single' : 'run');
  return {
    url: options.url ?? env.WORKFLOW_REDIS_URL ?? env.REDIS_URL ?? DEFAULT_URL,
    cluster,
    prefix: options.prefix ?? env.WORKFLOW_REDIS_PREFIX ?? 'worldkit',
    keyTags,
    deploymentId: options.deploymentId,
    baseUrl: options.baseUrl,
    queueConcurrency: options.queueConcurrency ?? positiveInt(env.WORKFLOW_QUEUE_CONCURRENCY, 100),
    leaseMs: options.leaseMs ?? 30_000,
    pollIntervalMs: options.pollIntervalMs ?? 1000,
    retryDelayMs: backoffOf(options.retryDelayMs),
    streamPollIntervalMs: options.streamPollIntervalMs ?? options.pollIntervalMs ?? 1000,
    recoverActiveRuns: options.recoverActiveRuns ?? true,
    maxEvents: options.maxEvents,
    queueSecret: options.queueSecret ?? env.WORKFLOW_QUEUE_SECRET,
    logger: options.logger ?? console,
    retention: options.retention ?? retentionFromEnv(env),
  };
}

function backoffOf(option: RedisWorldOptions['retryDelayMs']): (attempt: number) => number {
  if (typeof option === 'function') return option;
  if (typeof option === 'number') return () => option;
  return (attempt) => retryDelayMs(attempt);
}

function positiveInt(value: string | undefined, fallback: number): number {
  const parsed = value === undefined ? Number.NaN : Number(value);
  return Number.isInteger(parsed) && parsed > 0 ? parsed : fallback;
}
