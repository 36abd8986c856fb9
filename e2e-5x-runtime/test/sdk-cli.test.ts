import { eventSlotOf } from '@worldkit/world';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  type CliWorld,
  runWorkflowCli,
  streamTextByCli,
  workflowCli,
  workflowCliJson,
} from '../../e2e/src/harness/sdk-cli.js';
import { selectedTargets } from '../../e2e/src/harness/targets.js';
import { uniqueToken } from '../../e2e/src/harness/tokens.js';
import { pollUntil } from '../../e2e/src/harness/wait.js';
import type { AppClient } from '../src/harness/client.js';
import { RuntimeDeployment, SPEC_VERSION } from '../src/harness/deployment.js';
import { cliWorld5xOf } from '../src/harness/sdk-cli.js';
import { waitForOutcomes } from '../src/harness/wait.js';

/**
 * The 5.x SDK's own CLI (`workflow` 5.0.0-beta.55) on every World's 5.x face, selected as a user
 * selects it (`WORKFLOW_TARGET_WORLD=<package>/v5`), after real runs of the 5.x runtime: what it
 * prints is checked against the runs made. Cases that change runs (start, cancel) make their own
 * and run after the others.
 */

interface Run {
  runId: string;
  status: string;
  workflowName: string;
  specVersion?: number;
}
interface Page<T> {
  data: T[];
  cursor: string | null;
  hasMore: boolean;
}
interface Event {
  eventId: string;
  eventType: string;
  eventData?: unknown;
}

describe.concurrent.each(selectedTargets())(
  'the 5.x workflow CLI on $name',
  (target) => {
    let deployment: RuntimeDeployment;
    let app: AppClient;
    let cli: CliWorld;
    /** Three runs of one workflow (its 1, 2 and 3 steps), oldest first. */
    let sequential: string[];
    let streamRun: string;
    let failedRun: string;
    let sleepingRun: string;
    let hookRun: { runId: string; token: string };

    /** Starts `workflow` and waits until its log holds an event of `type`. */
    async function startWaiting(workflow: string, args: unknown[], type: string) {
      const runId = await app.start(workflow, args);
      await pollUntil(`${type} on ${runId}`, async () =>
        (await app.eventTypes(runId)).includes(type) ? true : undefined,
      );
      return runId;
    }
    const startSleeping = () => startWaiting('sleepBetweenSteps', [3_600_000], 'wait_created');
    async function startWaitingOnHook() {
      const token = uniqueToken('cli-5x-hook');
      return { runId: await startWaiting('waitForHook', [token], 'hook_created'), token };
    }
    /** The statuses of `runIds` as one `inspect runs` lists them (one CLI process, not one each). */
    async function statusesOf(runIds: string[]): Promise<string[]> {
      const page = await workflowCliJson<Page<Run>>(cli, ['inspect', 'runs', '--limit', '100']);
      const listed = new Map(page.data.map((run) => [run.runId, run.status]));
      return runIds.map((runId) => listed.get(runId) ?? 'not listed');
    }

    beforeAll(async () => {
      deployment = await RuntimeDeployment.create(target, 'sdk-cli');
      app = deployment.clients[0]!;
      cli = cliWorld5xOf(target, deployment);
      sequential = [];
      for (const count of [1, 2, 3]) {
        const runId = await app.start('sequentialSteps', [count]);
        await waitForOutcomes(app, [runId]);
        sequential.push(runId);
      }
      streamRun = await app.start('streamChunks', [3]);
      failedRun = await app.start('fatalFailure', ['expected failure']);
      sleepingRun = await startSleeping();
      hookRun = await startWaitingOnHook();
      await waitForOutcomes(app, [streamRun, failedRun]);
      // Runs through a fresh app: a bound against hangs on two busy cores.
    }, 240_000);
    afterAll(() => deployment?.close());

    test('inspect runs lists every run, newest first, with its status and spec version', async () => {
      const page = await workflowCliJson<Page<Run>>(cli, ['inspect', 'runs']);
      const all = [...sequential, streamRun, failedRun, sleepingRun, hookRun.runId];
      const listed = page.data.filter((run) => all.includes(run.runId));
      expect(listed.map((run) => run.runId)).toEqual([...all].reverse());
      const byId = new Map(listed.map((run) => [run.runId, run]));
      expect(byId.get(sequential[0]!)?.status).toBe('completed');
      expect(byId.get(failedRun)?.status).toBe('failed');
      expect(byId.get(sleepingRun)?.status).toBe('running');
      expect(listed.map((run) => run.specVersion)).toEqual(all.map(() => SPEC_VERSION));
    });

    test('inspect runs pages with --limit and filters by --status and --workflowName', async () => {
      const first = await workflowCliJson<Page<Run>>(cli, ['inspect', 'runs', '--limit', '2']);
      expect(first.data).toHaveLength(2);
      expect(first.hasMore).toBe(true);
      const next = await workflowCliJson<Page<Run>>(cli, [
        'inspect',
        'runs',
        '--limit',
        '2',
        '--cursor',
        first.cursor!,
      ]);
      const firstIds = first.data.map((run) => run.runId);
      expect(next.data.length).toBeGreaterThan(0);
      for (const run of next.data) expect(firstIds, 'no run on two pages').not.toContain(run.runId);

      const failed = await workflowCliJson<Page<Run>>(cli, [
        'inspect',
        'runs',
        '--status',
        'failed',
      ]);
      expect(failed.data.map((run) => run.runId)).toEqual([failedRun]);
      const { workflowName } = await workflowCliJson<Run>(cli, ['inspect', 'run', sequential[0]!]);
      const ofWorkflow = await workflowCliJson<Page<Run>>(cli, [
        'inspect',
        'runs',
        '--workflowName',
        workflowName,
      ]);
      expect(ofWorkflow.data.every((run) => run.workflowName === workflowName)).toBe(true);
      const known = ofWorkflow.data.filter((run) => sequential.includes(run.runId));
      expect(known.map((run) => run.runId)).toEqual([...sequential].reverse());
    });

    test('inspect run <id> shows its input and output, and a failed run its error', async () => {
      const run = await workflowCliJson<Run & { input: unknown; output: unknown }>(cli, [
        'inspect',
        'run',
        sequential[2]!,
      ]);
      expect(run).toMatchObject({ runId: sequential[2], status: 'completed', output: 'abc' });
      expect(run.input).toEqual([3]);
      const failed = await workflowCliJson<Run & { error: { message: string } }>(cli, [
        'inspect',
        'run',
        failedRun,
      ]);
      expect(failed).toMatchObject({ status: 'failed', error: { message: 'expected failure' } });
    });

    test('inspect steps and events -r <id> show the run, its log numbered by slot from 1', async () => {
      const steps = await workflowCliJson<{ stepName: string; status: string }[]>(cli, [
        'inspect',
        'steps',
        '-r',
        sequential[2]!,
      ]);
      expect(steps.map((step) => step.status)).toEqual(['completed', 'completed', 'completed']);
      expect(steps.every((step) => step.stepName.endsWith('//appendLetter'))).toBe(true);

      const events = await workflowCliJson<Event[]>(cli, [
        'inspect',
        'events',
        '-r',
        sequential[1]!,
      ]);
      const oldestFirst = [...events].reverse();
      expect(oldestFirst.map((event) => eventSlotOf(event.eventId))).toEqual(
        oldestFirst.map((_, index) => index + 1),
      );
      expect(oldestFirst.map((event) => event.eventType)).toEqual([
        'run_created',
        'run_started',
        ...Array<string[]>(2).fill(['step_created', 'step_started', 'step_completed']).flat(),
        'run_completed',
      ]);
      const table = await workflowCli(cli, ['inspect', 'events', '-r', sequential[1]!]);
      expect(table.split('\n').filter((line) => line.includes('step_started'))).toHaveLength(2);
    });

    test('inspect hooks, sleeps and streams -r <id> find what the runs wait on and wrote', async () => {
      const hooks = await workflowCliJson<Page<{ runId: string; token: string }>>(cli, [
        'inspect',
        'hooks',
        '-r',
        hookRun.runId,
      ]);
      expect(hooks.data).toMatchObject([{ runId: hookRun.runId, token: hookRun.token }]);

      const sleeps = await workflowCliJson<{ runId: string; resumeAt: string }[]>(cli, [
        'inspect',
        'sleeps',
        '-r',
        sleepingRun,
      ]);
      expect(sleeps).toHaveLength(1);
      expect(Date.parse(sleeps[0]!.resumeAt)).toBeGreaterThan(Date.now() + 3_000_000);

      const streams = await workflowCliJson<{ runId: string; streamId: string }[]>(cli, [
        'inspect',
        'streams',
        '-r',
        streamRun,
      ]);
      expect(streams).toHaveLength(1);
      expect(await streamTextByCli(cli, streams[0]!.streamId, streamRun)).toEqual([
        'chunk-0;',
        'chunk-1;',
        'chunk-2;',
      ]);
    });

    test('health finds the workflow endpoint healthy through the World queue', async () => {
      expect(await workflowCli(cli, ['health'])).toContain('workflow endpoint is healthy');
    });

    // The cases that make runs come last, one at a time, so no listing above sees their runs.
    test.sequential('start <runId> starts a new run of that workflow, which completes', async () => {
      const output = await workflowCli(cli, ['start', sequential[0]!, '4']);
      const newRunId = output.match(/wrun_[0-9A-Z]{26}/)?.[0];
      expect(newRunId, output).toBeDefined();
      expect(newRunId).not.toBe(sequential[0]);
      const [outcome] = await waitForOutcomes(app, [newRunId!]);
      expect(outcome).toMatchObject({ status: 'completed', value: 'abcd' });
    });

    test.sequential('cancel <id> ends a sleeping run and a run waiting on a hook, and refuses a completed one', async () => {
      const [sleeping, waiting] = await Promise.all([startSleeping(), startWaitingOnHook()]);
      expect(await workflowCli(cli, ['cancel', sleeping])).toContain(`Cancelled run ${sleeping}`);
      expect(await workflowCli(cli, ['cancel', waiting.runId])).toContain(
        `Cancelled run ${waiting.runId}`,
      );
      const after = await workflowCliJson<Event[]>(cli, ['inspect', 'events', '-r', waiting.runId]);
      expect(
        after[0],
        "nothing after the cancellation, which keeps the CLI's reason",
      ).toMatchObject({
        eventType: 'run_cancelled',
        eventData: { cancelReason: 'Cancelled via Workflow CLI' },
      });

      const refused = await runWorkflowCli(cli, ['cancel', sequential[0]!]);
      expect(refused.code, refused.stdout).not.toBe(0);
      expect(await statusesOf([sleeping, waiting.runId, sequential[0]!])).toEqual([
        'cancelled',
        'cancelled',
        'completed',
      ]);
    });

    test.sequential('cancel --status running --workflowName <name> cancels exactly the matching runs', async () => {
      const waiting = await Promise.all([startWaitingOnHook(), startWaitingOnHook()]);
      const { workflowName } = await workflowCliJson<Run>(cli, [
        'inspect',
        'run',
        waiting[0]!.runId,
      ]);
      const before = await workflowCliJson<Page<Run>>(cli, [
        'inspect',
        'runs',
        '--workflowName',
        workflowName,
        '--status',
        'running',
      ]);
      const running = before.data.map((run) => run.runId);
      expect(running).toEqual(expect.arrayContaining(waiting.map((run) => run.runId)));

      const output = await workflowCli(cli, [
        'cancel',
        '--status',
        'running',
        '--workflowName',
        workflowName,
        '-y',
      ]);
      // The World's cancelMany tells each outcome apart; none of these runs had ended.
      expect(output).toContain(`${running.length} cancelled`);
      expect(output).toContain('0 not cancellable');
      expect(output).toContain('0 failed');
      // The sleeping run, of another workflow, goes on.
      expect(await statusesOf([...running, sleepingRun])).toEqual([
        ...running.map(() => 'cancelled'),
        'running',
      ]);
    });
    // Each CLI command is a process that loads the SDK (seconds on two busy cores), and a case runs
    // several: a bound against hangs, not on speed.
  },
  300_000,
);
