import { describe, expect, it } from 'vitest';
import {
  type ActiveRunLister,
  type MessageId,
  type QueueOptions,
  type QueuePayload,
  type RecoverActiveRunsOptions,
  recoverActiveRuns,
  recoveryIdempotencyKey,
  type WorkflowRunStatus,
  type World,
} from '../src/index.js';

// Every World's `runs` and `queue` plug straight in (checked by the compiler).
type WorldRunsFit = World['runs'] extends ActiveRunLister ? true : never;
type WorldQueueFits = World['queue'] extends RecoverActiveRunsOptions['enqueue'] ? true : never;
const worldFits: [WorldRunsFit, WorldQueueFits] = [true, true];

interface FakeRun {
  runId: string;
  workflowName: string;
  deploymentId: string;
  status: WorkflowRunStatus;
}

/** Plain-object storage whose `runs.list` pages by index, `pageSize` runs at a time. */
function fakeRuns(runs: FakeRun[], pageSize = 2) {
  const calls: Parameters<ActiveRunLister['list']>[0][] = [];
  const lister: ActiveRunLister = {
    async list(params) {
      calls.push(params);
      const matching = runs.filter((run) => run.status === params.status);
      const start = params.pagination.cursor === undefined ? 0 : Number(params.pagination.cursor);
      const data = matching.slice(start, start + pageSize);
      const end = start + data.length;
      return { data, cursor: String(end), hasMore: end < matching.length };
    },
  };
  return { lister, calls };
}

/** A queue that, like every Worldkit queue, dedupes by idempotency key while a message lives. */
function fakeQueue() {
  const live = new Map<string, { queueName: string; payload: QueuePayload; key?: string }>();
  const enqueueCalls: { queueName: string; payload: QueuePayload; options?: QueueOptions }[] = [];
  let next = 0;
  const enqueue = async (queueName: string, payload: QueuePayload, options?: QueueOptions) => {
    enqueueCalls.push({ queueName, payload, options });
    for (const [id, message] of live) {
      if (options?.idempotencyKey !== undefined && message.key === options.idempotencyKey) {
        return { messageId: id as MessageId };
      }
    }
    const id = `msg_${++next}`;
    live.set(id, { queueName, payload, key: options?.idempotencyKey });
    return { messageId: id as MessageId };
  };
  const hasLiveMessage = (runId: string, queueName: string) =>
    [...live.values()].some(
      (message) => message.queueName === queueName && runIdOf(message.payload) === runId,
    );
  return { live, enqueue, enqueueCalls, hasLiveMessage };
}

const runIdOf = (payload: QueuePayload) => (payload as { runId?: string }).runId;

const RUNS: FakeRun[] = [
  { runId: 'wrun_a', workflowName: 'workflow//./a//one', deploymentId: 'dpl_1', status: 'pending' },
  { runId: 'wrun_b', workflowName: 'workflow//./a//one', deploymentId: 'dpl_1', status: 'running' },
  { runId: 'wrun_c', workflowName: 'workflow//./b//two', deploymentId: 'dpl_2', status: 'running' },
  { runId: 'wrun_d', workflowName: 'workflow//./b//two', deploymentId: 'dpl_2', status: 'running' },
  {
    runId: 'wrun_e',
    workflowName: 'workflow//./b//two',
    deploymentId: 'dpl_2',
    status: 'completed',
  },
  { runId: 'wrun_f', workflowName: 'workflow//./b//two', deploymentId: 'dpl_2', status: 'failed' },
  {
    runId: 'wrun_g',
    workflowName: 'workflow//./b//two',
    deploymentId: 'dpl_2',
    status: 'cancelled',
  },
  { runId: 'wrun_h', workflowName: 'workflow//./c//six', deploymentId: 'dpl_2', status: 'pending' },
];

describe('recoverActiveRuns', () => {
  it('wakes every pending and running run on its workflow queue, paging through all', async () => {
    expect(worldFits).toEqual([true, true]);
    const storage = fakeRuns(RUNS);
    const queue = fakeQueue();
    const report = await recoverActiveRuns({
      runs: storage.lister,
      enqueue: queue.enqueue,
      onError: (error) => {
        throw error;
      },
    });

    expect(report).toEqual({ scanned: 5, enqueued: 5, skipped: 0, failed: 0 });
    expect(queue.enqueueCalls).toEqual(
      ['wrun_a', 'wrun_h', 'wrun_b', 'wrun_c', 'wrun_d'].map((runId) => {
        const run = RUNS.find((candidate) => candidate.runId === runId)!;
        return {
          queueName: `__wkf_workflow_${run.workflowName}`,
          payload: { runId },
          options: {
            idempotencyKey: recoveryIdempotencyKey(runId),
            deploymentId: run.deploymentId,
          },
        };
      }),
    );
    // Lists carry no payloads and follow the cursors: pending in one page, running in two.
    expect(storage.calls).toEqual([
      { status: 'pending', resolveData: 'none', pagination: { cursor: undefined } },
      { status: 'running', resolveData: 'none', pagination: { cursor: undefined } },
      { status: 'running', resolveData: 'none', pagination: { cursor: '2' } },
    ]);
  });

  it('leaves one wake-up per run however many replicas boot, with or without the live check', async () => {
    const queue = fakeQueue();
    const boot = (check: boolean) =>
      recoverActiveRuns({
        runs: fakeRuns(RUNS).lister,
        enqueue: queue.enqueue,
        ...(check ? { hasLiveMessage: queue.hasLiveMessage } : {}),
      });

    expect(await boot(false)).toMatchObject({ enqueued: 5 });
    // A second replica without the check re-enqueues, and the stable key dedupes it.
    expect(await boot(false)).toMatchObject({ enqueued: 5 });
    // A third one with the check does not even try.
    expect(await boot(true)).toEqual({ scanned: 5, enqueued: 0, skipped: 5, failed: 0 });
    expect(queue.live.size).toBe(5);
    expect(queue.enqueueCalls).toHaveLength(10);
  });

  it('skips runs that already have a live workflow message, such as a sleeping run', async () => {
    const queue = fakeQueue();
    // wrun_b sleeps: its delayed wake-up from before the restart is still in the queue.
    await queue.enqueue('__wkf_workflow_workflow//./a//one', { runId: 'wrun_b' });
    const checked: [string, string][] = [];
    const report = await recoverActiveRuns({
      runs: fakeRuns(RUNS).lister,
      enqueue: queue.enqueue,
      hasLiveMessage: (runId, queueName) => {
        checked.push([runId, queueName]);
        return queue.hasLiveMessage(runId, queueName);
      },
    });
    expect(report).toEqual({ scanned: 5, enqueued: 4, skipped: 1, failed: 0 });
    expect(checked).toContainEqual(['wrun_b', '__wkf_workflow_workflow//./a//one']);
    expect(queue.enqueueCalls.filter((call) => runIdOf(call.payload) === 'wrun_b')).toHaveLength(1);
  });

  it('uses the namespace given, else WORKFLOW_QUEUE_NAMESPACE', async () => {
    const queue = fakeQueue();
    await recoverActiveRuns({
      runs: fakeRuns(RUNS.slice(0, 1)).lister,
      enqueue: queue.enqueue,
      namespace: 'tenant',
    });
    expect(queue.enqueueCalls[0]?.queueName).toBe('__tenant_wkf_workflow_workflow//./a//one');
  });

  it('counts a failed enqueue, reports it, and goes on with the other runs', async () => {
    const queue = fakeQueue();
    const errors: [string, string][] = [];
    const report = await recoverActiveRuns({
      runs: fakeRuns(RUNS).lister,
      enqueue: async (queueName, payload, options) => {
        if (runIdOf(payload) === 'wrun_c') throw new Error('queue is down');
        return queue.enqueue(queueName, payload, options);
      },
      onError: (error, context) => errors.push([context.runId, (error as Error).message]),
    });
    expect(report).toEqual({ scanned: 5, enqueued: 4, skipped: 0, failed: 1 });
    expect(errors).toEqual([['wrun_c', 'queue is down']]);
  });

  it('enqueues anyway when the live check fails, and reports the failed check', async () => {
    const queue = fakeQueue();
    const stages: string[] = [];
    const report = await recoverActiveRuns({
      runs: fakeRuns(RUNS.slice(0, 2)).lister,
      enqueue: queue.enqueue,
      hasLiveMessage: () => {
        throw new Error('cannot look');
      },
      onError: (_error, context) => stages.push(`${context.stage}:${context.runId}`),
    });
    expect(report).toEqual({ scanned: 2, enqueued: 2, skipped: 0, failed: 0 });
    expect(stages).toEqual(['check:wrun_a', 'check:wrun_b']);
  });

  it('wakes a run once even when it moves from pending to running while being listed', async () => {
    const runs = RUNS.map((run) => ({ ...run }));
    const storage = fakeRuns(runs, 10);
    const queue = fakeQueue();
    const report = await recoverActiveRuns({
      runs: {
        async list(params) {
          const page = await storage.lister.list(params);
          // The pending run wrun_a starts right after being listed.
          if (params.status === 'pending') runs[0]!.status = 'running';
          return page;
        },
      },
      enqueue: queue.enqueue,
    });
    expect(report.scanned).toBe(5);
    expect(queue.enqueueCalls.filter((call) => runIdOf(call.payload) === 'wrun_a')).toHaveLength(1);
  });

  it('stops with a typed error when runs.list says there is more but never moves on', async () => {
    const queue = fakeQueue();
    const stuck: ActiveRunLister = {
      async list() {
        return { data: [RUNS[0]!], cursor: 'same', hasMore: true };
      },
    };
    await expect(recoverActiveRuns({ runs: stuck, enqueue: queue.enqueue })).rejects.toMatchObject({
      name: 'WorkflowWorldError',
      code: 'PAGINATION_STUCK',
    });
  });

  it('keeps the idempotency key stable per run and distinct across runs', () => {
    expect(recoveryIdempotencyKey('wrun_a')).toBe(recoveryIdempotencyKey('wrun_a'));
    expect(recoveryIdempotencyKey('wrun_a')).not.toBe(recoveryIdempotencyKey('wrun_b'));
  });
});
