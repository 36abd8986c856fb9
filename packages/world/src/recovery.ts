import { WorkflowWorldError } from './errors.js';
import { workflowQueueName } from './queue/names.js';
import type { MessageId, QueueOptions, QueuePayload } from './schemas/queue.js';
import type { PaginatedResponse } from './schemas/shared.js';

/** The slice of `runs.list` recovery needs; every World's `runs` satisfies it. */
export interface ActiveRunLister {
  list(params: {
    status: 'pending' | 'running';
    resolveData: 'none';
    pagination: { cursor?: string };
  }): Promise<PaginatedResponse<{ runId: string; workflowName: string; deploymentId?: string }>>;
}

export interface RecoverActiveRunsOptions {
  runs: ActiveRunLister;
  /** The World's `queue()`: it must dedupe by `idempotencyKey` while a message is live. */
  enqueue(
    queueName: string,
    payload: QueuePayload,
    options?: QueueOptions,
  ): Promise<{ messageId: MessageId | null }>;
  /**
   * Whether a workflow message for the run is already pending, delayed or in flight (a sleeping
   * run's wake-up, a replay under way). Such runs are left alone. Without it, only the stable
   * idempotency key keeps repeated recoveries from piling up.
   */
  hasLiveMessage?(runId: string, queueName: string): boolean | Promise<boolean>;
  /** Queue namespace; defaults to `WORKFLOW_QUEUE_NAMESPACE`. */
  namespace?: string;
  /**
   * Told about a run that could not be checked or enqueued (default: a console warning). A
   * failed check still enqueues: a duplicate replay is harmless, a lost wake-up strands a run.
   */
  onError?(error: unknown, context: { runId: string; stage: 'check' | 'enqueue' }): void;
}

export interface RecoveryReport {
  /** Active runs seen (each once, even if it changed status while being listed). */
  scanned: number;
  enqueued: number;
  /** Runs that already had a live workflow message. */
  skipped: number;
  /** Runs whose enqueue failed. */
  failed: number;
}

const ACTIVE_STATUSES = ['pending', 'running'] as const;

/**
 * The idempotency key of a run's recovery wake-up: the same for every boot of every replica, so
 * the queue keeps at most one such message per run alive.
 */
export function recoveryIdempotencyKey(runId: string): string {
  return `recover_${runId}`;
}

/**
 * What `start()` runs after a restart: wakes every pending or running run by enqueueing
 * `{runId}` to its workflow queue, unless a workflow message for it is still live. Replays are
 * idempotent, so a run woken twice only costs a replay; one never woken would hang forever.
 */
export async function recoverActiveRuns(
  options: RecoverActiveRunsOptions,
): Promise<RecoveryReport> {
  const report: RecoveryReport = { scanned: 0, enqueued: 0, skipped: 0, failed: 0 };
  const onError = options.onError ?? warn;
  const seen = new Set<string>();

  for (const status of ACTIVE_STATUSES) {
    for await (const run of activeRuns(options.runs, status)) {
      if (seen.has(run.runId)) continue;
      seen.add(run.runId);
      report.scanned++;
      const queueName = workflowQueueName(run.workflowName, options.namespace);
      if (await isLive(options, run.runId, queueName, onError)) {
        report.skipped++;
        continue;
      }
      try {
        await options.enqueue(
          queueName,
          { runId: run.runId },
          {
            idempotencyKey: recoveryIdempotencyKey(run.runId),
            ...(run.deploymentId === undefined ? {} : { deploymentId: run.deploymentId }),
          },
        );
        report.enqueued++;
      } catch (error) {
        report.failed++;
        onError(error, { runId: run.runId, stage: 'enqueue' });
      }
    }
  }
  return report;
}

async function* activeRuns(runs: ActiveRunLister, status: 'pending' | 'running') {
  const requested = new Set<string>();
  let cursor: string | undefined;
  for (;;) {
    const page = await runs.list({ status, resolveData: 'none', pagination: { cursor } });
    yield* page.data;
    if (!page.hasMore) return;
    if (page.cursor === null || requested.has(page.cursor)) {
      // A lister that never moves on would keep recovery (and start()) busy forever.
      throw new WorkflowWorldError(
        `runs.list({status: '${status}'}) reported more runs without a new cursor`,
        { status: 500, code: 'PAGINATION_STUCK' },
      );
    }
    requested.add(page.cursor);
    cursor = page.cursor;
  }
}

async function isLive(
  options: RecoverActiveRunsOptions,
  runId: string,
  queueName: string,
  onError: NonNullable<RecoverActiveRunsOptions['onError']>,
): Promise<boolean> {
  if (options.hasLiveMessage === undefined) return false;
  try {
    return await options.hasLiveMessage(runId, queueName);
  } catch (error) {
    onError(error, { runId, stage: 'check' });
    return false;
  }
}

function warn(error: unknown, context: { runId: string; stage: 'check' | 'enqueue' }): void {
  const verb = context.stage === 'check' ? 'check for a live message of' : 're-enqueue';
  console.warn(`[worldkit] recovery could not ${verb} run ${context.runId}: ${String(error)}`);
}
