import { afterEach, describe, expect, test } from 'vitest';
import type { AppClient } from '../src/harness/client.js';
import { TestDeployment } from '../src/harness/deployment.js';
import { selectedTargets } from '../src/harness/targets.js';
import { pollUntil, waitForRuns } from '../src/harness/wait.js';

const PROCESSES = 3;
const RUNS_PER_PROCESS = Number(process.env.E2E_MULTI_RUNS_PER_PROCESS ?? 10);

const multiProcessTargets = selectedTargets().filter((target) => target.multiProcess);

describe.each(multiProcessTargets)('$name shared by several app processes', (target) => {
  let deployment: TestDeployment | undefined;
  afterEach(() => deployment?.close());

  test('declares multiProcess and completes runs started through every process', async () => {
    deployment = await TestDeployment.create(target, 'multi', { processes: PROCESSES });
    const clients = deployment.clients;
    expect((await clients[0]!.world()).capabilities).toMatchObject({ multiProcess: true });

    const started: Array<{ runId: string; expected: unknown }> = [];
    for (let index = 0; index < PROCESSES * RUNS_PER_PROCESS; index++) {
      const client = clients[index % PROCESSES]!;
      if (index % 2 === 0) {
        started.push({ runId: await client.start('oneStep', [index]), expected: index * 2 });
      } else {
        started.push({ runId: await client.start('sequentialSteps', [5]), expected: 'abcde' });
      }
    }
    // A hook registered by a run started through one process, resumed through another.
    const token = `multi-hook-${Date.now()}`;
    const hookRunId = await clients[0]!.start('waitForHook', [token]);
    await pollUntil('the hook', async () =>
      (await clients[1]!.hooks(hookRunId)).length > 0 ? true : undefined,
    );
    await clients[2]!.resumeHook(token, { message: 'across processes' });
    started.push({ runId: hookRunId, expected: { received: 'across processes' } });

    const summaries = await waitForRuns(
      clients,
      started.map(({ runId }) => runId),
    );
    expect(summaries.filter((summary) => summary.status !== 'completed')).toEqual([]);
    for (const [index, { runId, expected }] of started.entries()) {
      const result = await clients[index % PROCESSES]!.result(runId);
      expect(result.output).toEqual(expected);
    }
  });

  test('a process killed with SIGKILL in the middle of the load loses no run', async () => {
    deployment = await TestDeployment.create(target, 'kill', { processes: PROCESSES });
    const [victim, ...survivors] = deployment.apps;
    const clients = deployment.clients;
    const steps = 6;
    const expected = Array.from({ length: steps }, (_, index) => index);

    const runIds: string[] = [];
    for (let index = 0; index < PROCESSES * RUNS_PER_PROCESS; index++) {
      runIds.push(await clients[index % PROCESSES]!.start('slowSteps', [steps, 100]));
    }
    // Kill once the load is under way: some runs done, others still open.
    const openAtKill = await pollUntil(
      'the load to be under way',
      async () => {
        const summaries = await survivors[0]!.client.summaries(runIds);
        const completed = summaries.filter((summary) => summary.status === 'completed').length;
        return completed > 0 ? summaries.length - completed : undefined;
      },
      { intervalMs: 50 },
    );
    await victim!.crash();
    expect(openAtKill).toBeGreaterThan(0);

    // Load keeps arriving on the survivors after the crash.
    const survivorClients: AppClient[] = survivors.map((app) => app.client);
    for (let index = 0; index < 4; index++) {
      runIds.push(
        await survivorClients[index % survivorClients.length]!.start('slowSteps', [steps, 100]),
      );
    }

    const summaries = await waitForRuns(survivorClients, runIds, { timeoutMs: 240_000 });
    expect(summaries.filter((summary) => summary.status !== 'completed')).toEqual([]);
    const outputs = await Promise.all(runIds.map((runId) => survivorClients[0]!.result(runId)));
    expect(outputs.map((result) => result.output)).toEqual(runIds.map(() => expected));
  });
});
