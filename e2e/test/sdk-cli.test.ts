import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { AppClient } from '../src/harness/client.js';
import { TestDeployment } from '../src/harness/deployment.js';
import {
  type CliWorld,
  cliWorld5x,
  cliWorldOf,
  streamTextByCli,
  workflowCli,
  workflowCliJson,
} from '../src/harness/sdk-cli.js';
import { selectedTargets } from '../src/harness/targets.js';
import { uniqueToken } from '../src/harness/tokens.js';
import { pollUntil, waitForResult } from '../src/harness/wait.js';

/**
 * The SDK's own CLI (`workflow` from `@workflow/cli` 4.3.13) against every World, after real
 * runs: what it prints is checked against the runs made, as a table and as `--json`. Each CLI
 * command is a process of its own, so the Worlds and the cases run concurrently; cases that
 * change runs (start, cancel) make their own, and the listing cases check only the runs they
 * know.
 */

interface Run {
  runId: string;
  status: string;
  workflowName: string;
}
interface Page<T> {
  data: T[];
  cursor: string | null;
  hasMore: boolean;
}
interface Step {
  stepId: string;
  stepName: string;
  status: string;
}
interface Event {
  eventId: string;
  eventType: string;
  correlationId?: string;
}

/** How the CLI's tables show an id: its last four characters. */
const shortId = (id: string) => `...${id.slice(-4)}`;

/** Table rows (after the header's dashes) that mention `text`. */
function rowsWith(table: string, text: string): string[] {
  return table.split('\n').filter((line) => line.includes(text));
}

describe.concurrent.each(selectedTargets())('the workflow CLI on $name', (target) => {
  let deployment: TestDeployment;
  let app: AppClient;
  /** Three runs of one workflow (its 1, 2 and 3 steps), oldest first. */
  let sequential: string[];
  /** A completed one-step run, which `start <runId>` starts again. */
  let oneStepRun: string;
  let streamRun: string;
  let failedRun: string;
  let sleepingRun: string;
  let hookRun: { runId: string; token: string };
  const cli = (...args: string[]) => workflowCli(cliWorldOf(deployment), args);
  /** A run asleep for an hour, once its sleep is registered. */
  async function startSleeping(): Promise<string> {
    const runId = await app.start('sleepThenReturn', [3_600_000]);
    await pollUntil('the sleep registered', () => app.pendingWait(runId));
    return runId;
  }
  /** A run waiting on a hook (or an hour), once its hook is registered. */
  async function startWaitingOnHook(): Promise<{ runId: string; token: string }> {
    const token = uniqueToken('cli-hook');
    const runId = await app.start('hookOrTimeout', [token, 3_600_000]);
    await pollUntil('the hook registered', async () => (await app.hooks(runId))[0]);
    return { runId, token };
  }
  const cliJson = <T>(...args: string[]) => workflowCliJson<T>(cliWorldOf(deployment), args);

  beforeAll(async () => {
    deployment = await TestDeployment.create(target, 'sdk-cli');
    app = deployment.clients[0]!;
    sequential = [];
    for (const count of [1, 2, 3]) {
      const runId = await app.start('sequentialSteps', [count]);
      await waitForResult(app, runId);
      sequential.push(runId);
    }
    oneStepRun = await app.start('oneStep', [1]);
    streamRun = await app.start('streamChunks', [3]);
    failedRun = await app.start('fatalFailure', ['expected failure']);
    sleepingRun = await startSleeping();
    hookRun = await startWaitingOnHook();
    await Promise.all([oneStepRun, streamRun, failedRun].map((runId) => waitForResult(app, runId)));
  });
  afterAll(() => deployment?.close());

  test('inspect runs lists every run, newest first, as a table and as JSON', async () => {
    const page = await cliJson<Page<Run>>('inspect', 'runs');
    const all = [...sequential, oneStepRun, streamRun, failedRun, sleepingRun, hookRun.runId];
    expect(page.data.map((run) => run.runId)).toEqual(expect.arrayContaining(all));
    const listed = page.data.map((run) => run.runId).filter((id) => all.includes(id));
    expect(listed, 'newest first').toEqual([...all].reverse());
    const statusOf = (runId: string) => page.data.find((run) => run.runId === runId)?.status;
    expect(statusOf(sequential[0]!)).toBe('completed');
    expect(statusOf(failedRun)).toBe('failed');
    expect(statusOf(sleepingRun)).toBe('running');

    const table = await cli('inspect', 'runs');
    for (const runId of all) expect(rowsWith(table, shortId(runId)), runId).toHaveLength(1);
    expect(rowsWith(table, shortId(failedRun))[0]).toContain('fatalFailure');
  });

  test('inspect runs pages with --limit and the cursor it returns', async () => {
    const first = await cliJson<Page<Run>>('inspect', 'runs', '--limit', '3');
    expect(first.data).toHaveLength(3);
    expect(first.hasMore).toBe(true);
    expect(first.cursor).toEqual(expect.any(String));
    const next = await cliJson<Page<Run>>(
      'inspect',
      'runs',
      '--limit',
      '3',
      '--cursor',
      first.cursor!,
    );
    expect(next.data.length).toBeGreaterThan(0);
    const firstIds = first.data.map((run) => run.runId);
    for (const run of next.data) expect(firstIds, 'no run on two pages').not.toContain(run.runId);
    expect(next.data[0]!.runId < firstIds.at(-1)!, 'the next page goes on, older').toBe(true);
  });

  test('inspect runs --status and --workflowName filter', async () => {
    const failed = await cliJson<Page<Run>>('inspect', 'runs', '--status', 'failed');
    expect(failed.data.map((run) => run.runId)).toEqual([failedRun]);

    const { workflowName } = await cliJson<Run>('inspect', 'run', sequential[0]!);
    const ofWorkflow = await cliJson<Page<Run>>('inspect', 'runs', '--workflowName', workflowName);
    expect(ofWorkflow.data.map((run) => run.runId)).toEqual([...sequential].reverse());
    const table = await cli('inspect', 'runs', '--workflowName', workflowName, '--sort', 'asc');
    const order = sequential.map((runId) => table.indexOf(shortId(runId)));
    expect(order.every((at) => at >= 0)).toBe(true);
    expect(order, 'oldest first with --sort asc').toEqual([...order].sort((a, b) => a - b));
  });

  test('inspect run <id> shows the run with its input and output', async () => {
    const run = await cliJson<Run & { output: unknown; input: unknown }>(
      'inspect',
      'run',
      sequential[2]!,
    );
    expect(run).toMatchObject({ runId: sequential[2], status: 'completed', output: 'abc' });
    expect(run.input).toEqual([3]);
    const shown = await cli('inspect', 'run', sequential[2]!);
    expect(shown).toContain(sequential[2]);
    expect(shown).toContain("output: 'abc'");
  });

  test('inspect steps -r <id> lists the run steps, newest first, and --limit bounds them', async () => {
    // `--json` prints the steps alone, without the page's cursor.
    const steps = await cliJson<Step[]>('inspect', 'steps', '-r', sequential[2]!);
    expect(steps).toHaveLength(3);
    for (const step of steps) {
      expect(step).toMatchObject({
        status: 'completed',
        stepName: expect.stringContaining('appendLetter'),
      });
    }
    const ids = steps.map((step) => step.stepId);
    expect(ids, 'newest first').toEqual([...ids].sort().reverse());
    const limited = await cliJson<Step[]>('inspect', 'steps', '-r', sequential[2]!, '--limit', '2');
    expect(limited.map((step) => step.stepId)).toEqual(ids.slice(0, 2));

    const table = await cli('inspect', 'steps', '-r', sequential[2]!);
    for (const stepId of ids) expect(rowsWith(table, shortId(stepId))).toHaveLength(1);
    expect(rowsWith(table, 'appendLetter')).toHaveLength(3);
  });

  test('inspect events -r <id> lists the whole log, newest first', async () => {
    const events = await cliJson<Event[]>('inspect', 'events', '-r', sequential[1]!);
    // run_created, run_started, three events for each of two steps, run_completed.
    expect(events).toHaveLength(9);
    expect(events[0]!.eventType).toBe('run_completed');
    expect(events.at(-1)!.eventType).toBe('run_created');
    expect(events.filter((event) => event.eventType === 'step_completed')).toHaveLength(2);

    const table = await cli('inspect', 'events', '-r', sequential[1]!);
    for (const type of ['run_created', 'run_started', 'step_created', 'step_completed']) {
      expect(table, type).toContain(type);
    }
    expect(rowsWith(table, 'step_started')).toHaveLength(2);
  });

  test('inspect hooks, sleeps and streams -r <id> find what the runs are waiting on and wrote', async () => {
    const hooks = await cliJson<Page<{ runId: string; token: string }>>(
      'inspect',
      'hooks',
      '-r',
      hookRun.runId,
    );
    expect(hooks.data).toMatchObject([{ runId: hookRun.runId, token: hookRun.token }]);
    expect(await cli('inspect', 'hooks', '-r', hookRun.runId)).toContain(shortId(hookRun.runId));

    const sleeps = await cliJson<{ correlationId: string; resumeAt: string }[]>(
      'inspect',
      'sleeps',
      '-r',
      sleepingRun,
    );
    expect(sleeps).toHaveLength(1);
    expect(Date.parse(sleeps[0]!.resumeAt)).toBeGreaterThan(Date.now() + 3_000_000);

    const streams = await cli('inspect', 'streams', '-r', streamRun);
    expect(rowsWith(streams, shortId(streamRun))).toHaveLength(1);
  });

  test('health finds the app endpoints healthy through the World queue', async () => {
    const output = await cli('health');
    expect(output).toContain('workflow endpoint is healthy');
    expect(output).toContain('step endpoint is healthy');
  });

  test('start <runId> starts a new run of that workflow, which completes', async () => {
    const output = await cli('start', oneStepRun, '4');
    const newRunId = output.match(/wrun_[0-9A-Z]{26}/)?.[0];
    expect(newRunId, output).toBeDefined();
    expect(newRunId).not.toBe(oneStepRun);
    expect(await waitForResult(app, newRunId!)).toMatchObject({ status: 'completed', output: 8 });
  });

  test('cancel <id> ends a sleeping run and a run waiting on a hook; neither goes on', async () => {
    const [sleeping, waiting] = await Promise.all([startSleeping(), startWaitingOnHook()]);
    expect(await cli('cancel', sleeping)).toContain(`Cancelled run ${sleeping}`);
    expect(await cli('cancel', waiting.runId)).toContain(`Cancelled run ${waiting.runId}`);
    for (const runId of [sleeping, waiting.runId]) {
      expect((await cliJson<Run>('inspect', 'run', runId)).status).toBe('cancelled');
    }
    // The cancelled run's hook no longer resumes it.
    await expect(app.resumeHook(waiting.token, { late: true })).rejects.toThrow();
    const after = await cliJson<Event[]>('inspect', 'events', '-r', waiting.runId);
    expect(after[0]!.eventType, 'nothing after the cancellation').toBe('run_cancelled');
    expect(after.some((event) => event.eventType === 'hook_received')).toBe(false);
  });

  test('cancel --status running --workflowName <name> cancels exactly the matching runs', async () => {
    const waiting = await Promise.all(
      [1, 2].map(async () => {
        const runId = await app.start('waitForHook', [uniqueToken('bulk')]);
        await pollUntil('the hook registered', async () => (await app.hooks(runId))[0]);
        return runId;
      }),
    );
    const { workflowName } = await cliJson<Run>('inspect', 'run', waiting[0]!);
    const output = await cli('cancel', '--status', 'running', '--workflowName', workflowName, '-y');
    expect(output).toContain('2 cancelled');
    const runs = await cliJson<Page<Run>>('inspect', 'runs', '--workflowName', workflowName);
    expect(runs.data.map((run) => [run.runId, run.status]).sort()).toEqual(
      waiting.map((runId) => [runId, 'cancelled']).sort(),
    );
    expect((await cliJson<Run>('inspect', 'run', sequential[0]!)).status).toBe('completed');
  });
});

/** A Worldkit World, which has a 5.x entry (`<package>/v5`) beside its 4.x one. */
const hasFace5x = (target: { module: string }) => target.module.startsWith('@worldkit/');

/**
 * One store, both lines, the other way round from e2e-5x-runtime's `shared-store`: runs the 4.x
 * runtime made are read by the 5.x SDK's CLI (`workflow` 5.0.0-beta.55) through the World's `v5`
 * entry, as an app that moved to 5.x reads the runs its 4.x deployment left.
 */
describe.concurrent.each(selectedTargets().filter(hasFace5x))(
  '4.x runs on $name, read by the 5.x CLI',
  (target) => {
    let deployment: TestDeployment;
    let runId: string;
    let streamRunId: string;
    let cli: CliWorld;

    beforeAll(async () => {
      deployment = await TestDeployment.create(target, 'cli-5x');
      const app = deployment.clients[0]!;
      runId = await app.start('sequentialSteps', [2]);
      streamRunId = await app.start('streamChunks', [2]);
      await waitForResult(app, runId);
      await waitForResult(app, streamRunId);
      cli = cliWorld5x(target, deployment.env);
    });
    afterAll(() => deployment?.close());

    test('inspect runs and run show it completed, at spec 3, with its input and output', async () => {
      const page = await workflowCliJson<Page<Run>>(cli, ['inspect', 'runs']);
      expect(page.data.find((run) => run.runId === runId)?.status).toBe('completed');
      const run = await workflowCliJson<Record<string, unknown>>(cli, ['inspect', 'run', runId]);
      expect(run).toMatchObject({
        runId,
        status: 'completed',
        specVersion: 3,
        input: [2],
        output: 'ab',
      });
    });

    test('inspect events lists its whole log with the ULID ids the 4.x line gave it', async () => {
      const events = await workflowCliJson<Event[]>(cli, ['inspect', 'events', '-r', runId]);
      expect(events.map((event) => event.eventType).reverse()).toEqual([
        'run_created',
        'run_started',
        ...Array<string[]>(2).fill(['step_created', 'step_started', 'step_completed']).flat(),
        'run_completed',
      ]);
      const ids = events.map((event) => event.eventId);
      expect(ids.every((id) => /^evnt_[0-9A-Z]{26}$/.test(id))).toBe(true);
      expect(ids, 'newest first').toEqual([...ids].sort().reverse());
    });

    test('inspect stream reads the chunks its step wrote', async () => {
      const streams = await workflowCliJson<{ streamId: string }[]>(cli, [
        'inspect',
        'streams',
        '-r',
        streamRunId,
      ]);
      expect(streams).toHaveLength(1);
      expect(await streamTextByCli(cli, streams[0]!.streamId, streamRunId)).toEqual([
        'chunk-0;',
        'chunk-1;',
      ]);
    });
  },
);
