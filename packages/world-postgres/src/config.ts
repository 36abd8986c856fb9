import { availableParallelism } from 'node:os';
import { InvalidInputError, type RetentionPolicy } from '@worldkit/world';
import type { Pool } from 'pg';

/** Factory options; every one has an environment variable or a default. */
export interface PostgresWorldOptions {
  /** Connection string. Default: `WORKFLOW_POSTGRES_URL`, then `DATABASE_URL`, then libpq's `PG*` variables. */
  connectionString?: string;
  /** A pool you own (it is never ended by the World). Overrides `connectionString`. */
  pool?: Pool;
  /** Schema holding every table and function. Default: `WORKFLOW_POSTGRES_SCHEMA` or `worldkit`. */
  schema?: string;
  /** Size of the shared pool. Default: `WORKFLOW_POSTGRES_MAX_POOL_SIZE` or 10. */
  maxPoolSize?: number;
  /**
   * Statements `events.create` keeps in flight; appends arriving while they are all busy go out
   * together as one batch (one round trip, one commit). Default: twice the CPU count, at most
   * `maxPoolSize`.
   */
  appendConcurrency?: number;
  /**
   * Apply pending migrations on first use and on `start()`. Default: true unless
   * `WORKFLOW_POSTGRES_MIGRATE` is `0` or `false`; then run `worldkit-postgres migrate` yourself.
   */
  migrate?: boolean;
  /** Deliveries in flight per process. Default: `WORKFLOW_QUEUE_CONCURRENCY` or 10. */
  queueConcurrency?: number;
  /** How long a claimed message stays with its worker unless renewed. Default 30 s. */
  leaseMs?: number;
  /** Polling fallback for queue and stream wake-ups. Default 1000 ms. */
  pollIntervalMs?: number;
  /**
   * Delay before redelivering after a failed delivery: a fixed number of ms, or a function of the
   * failed attempt. Default: the shared exponential backoff with jitter (`retryDelayMs`).
   */
  retryDelayMs?: number | ((attempt: number) => number);
  /** Base URL of the app's workflow routes. Default: `WORKFLOW_LOCAL_BASE_URL`, then `PORT`. */
  baseUrl?: string;
  /** Signs deliveries and refuses unsigned ones. Default: `WORKFLOW_QUEUE_SECRET`. */
  queueSecret?: string;
  /**
   * How long `start()` keeps retrying while the server cannot be reached (down, restarting, out
   * of connections) before it fails with what to check. Default 30 s.
   */
  startTimeoutMs?: number;
  /** Re-enqueue active runs on `start()`. Default true. */
  recoverActiveRuns?: boolean;
  /** `getDeploymentId()`. Default: `WORKFLOW_DEPLOYMENT_ID` or `postgres`. */
  deploymentId?: string;
  /**
   * Prune finished runs in the background while started (see `prune()`). Default:
   * `WORKFLOW_RETENTION` (an age: `30d`), `WORKFLOW_RETENTION_INTERVAL` and
   * `WORKFLOW_RETENTION_BATCH_SIZE`; none when unset.
   */
  retention?: RetentionPolicy;
}

export interface ResolvedConfig {
  connectionString: string | undefined;
  pool: Pool | undefined;
  schema: string;
  maxPoolSize: number;
  appendConcurrency: number;
  migrate: boolean;
  queueConcurrency: number;
  leaseMs: number;
  pollIntervalMs: number;
  retryDelayMs: ((attempt: number) => number) | undefined;
  baseUrl: string | undefined;
  queueSecret: string | undefined;
  startTimeoutMs: number;
  recoverActiveRuns: boolean;
  deploymentId: string;
}

/**
 * Schema names become identifiers and, with a `:stream` or `:queue` suffix, NOTIFY channel names
 * (at most 63 bytes), so they are plain lower-case identifiers of at most 56 characters.
 */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,55}$/;

export const DEFAULT_SCHEMA = 'worldkit';

/** Reads options, then the environment, then defaults. Never connects. */
export function resolveConfig(
  options: PostgresWorldOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): ResolvedConfig {
  const schema = options.schema ?? nonEmpty(env.WORKFLOW_POSTGRES_SCHEMA) ?? DEFAULT_SCHEMA;
  assertSchemaName(schema);
  const maxPoolSize = options.maxPoolSize ?? positiveInt(env.WORKFLOW_POSTGRES_MAX_POOL_SIZE) ?? 10;
  return {
    connectionString:
      options.connectionString ?? nonEmpty(env.WORKFLOW_POSTGRES_URL) ?? nonEmpty(env.DATABASE_URL),
    pool: options.pool,
    schema,
    maxPoolSize,
    appendConcurrency:
      options.appendConcurrency ?? Math.max(1, Math.min(maxPoolSize, 2 * availableParallelism())),
    migrate: options.migrate ?? !isFalse(env.WORKFLOW_POSTGRES_MIGRATE),
    queueConcurrency: options.queueConcurrency ?? positiveInt(env.WORKFLOW_QUEUE_CONCURRENCY) ?? 10,
    leaseMs: options.leaseMs ?? 30_000,
    pollIntervalMs: options.pollIntervalMs ?? 1_000,
    retryDelayMs:
      typeof options.retryDelayMs === 'number'
        ? fixedDelay(options.retryDelayMs)
        : options.retryDelayMs,
    baseUrl: options.baseUrl,
    queueSecret: options.queueSecret ?? nonEmpty(env.WORKFLOW_QUEUE_SECRET),
    startTimeoutMs: options.startTimeoutMs ?? 30_000,
    recoverActiveRuns: options.recoverActiveRuns ?? true,
    deploymentId: options.deploymentId ?? nonEmpty(env.WORKFLOW_DEPLOYMENT_ID) ?? 'postgres',
  };
}

export function assertSchemaName(schema: string): void {
  if (!SCHEMA_NAME.test(schema)) {
    throw new InvalidInputError(
      'schema',
      `expected a lower-case identifier of at most 56 characters (letters, digits, "_"), got ${JSON.stringify(schema)}`,
    );
  }
}

function fixedDelay(ms: number): () => number {
  if (!Number.isFinite(ms) || ms < 0) {
    throw new InvalidInputError('retryDelayMs', 'expected a non-negative number of milliseconds');
  }
  return () => ms;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function positiveInt(value: string | undefined): number | undefined {
  if (nonEmpty(value) === undefined) return undefined;
  const parsed = Number(value);
  return Number.isInteger(parsed) && parsed > 0 ? parsed : undefined;
}

function isFalse(value: string | undefined): boolean {
  return value === '0' || value?.toLowerCase() === 'false';
}
