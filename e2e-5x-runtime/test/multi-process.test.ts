import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectedTargets } from '../../e2e/src/harness/targets.js';
import { pollUntil } from '../../e2e/src/harness/wait.js';
import { RuntimeDeployment } from '../src/harness/deployment.js';
import { resumeWhenCreated } from '../src/harness/hooks.js';
import { waitForOutcomes } from '../src/harness/wait.js';

const RUNS_PER_PROCESS = 8;
/** Each run of the kill scenario: 6 steps of 100 ms, so the crash finds runs mid-way. */
const SLOW_RUN = [6, 100];
const SLOW_RESULT = [0, 1, 2, 3, 4, 5];

for (const target of selectedTargets().filter((candidate) => candidate.multiProcess)) {
  describe(`workflow 5.0.0-beta.55, two app processes on one ${target.name} deployment`, () => {
    let deployment: RuntimeDeployment;

    beforeAll(async () => {
      deployment = await RuntimeDeployment.create(target, 'multi', { processes: 2 });
    });
    afterAll(() => deployment?.close());

    it('completes runs started through either process, each with its own result', async () => {
      const started = await Promise.all(
        deployment.clients.flatMap((client) =>
          Array.from({ length: RUNS_PER_PROCESS }, async (_, index) => {
            const count = 2 + index;
            return index % 2 === 0
              ? { runId: await client.start('sequentialSteps', [count]), expected: letters(count) }
              : { runId: await client.start('parallelSteps', [count]), expected: squares(count) };
          }),
        ),
      );
      const outcomes = await waitForOutcomes(
        deployment.clients[1]!,
        started.map((run) => run.runId),
      );
      outcomes.forEach((outcome, index) => {
        expect(outcome).toMatchObject({ status: 'completed', value: started[index]!.expected });
      });
    });

    it('resumes through one process a hook whose run was started through the other', async () => {
      const [first, second] = deployment.clients;
      const token = `hook-${randomUUID()}`;
      const runId = await first!.start('waitForHook', [token]);
      expect(await resumeWhenCreated(second!, token, { message: 'across processes' })).toBe(runId);
      const [outcome] = await waitForOutcomes(first!, [runId]);
      expect(outcome).toMatchObject({
        status: 'completed',
        value: { received: 'across processes' },
      });
    });
  });

  describe(`workflow 5.0.0-beta.55, a crash on a ${target.name} deployment`, () => {
    let deployment: RuntimeDeployment | undefined;
    afterAll(() => deployment?.close());

    it('a process killed with SIGKILL in the middle of the load loses no run', {
      timeout: 300_000,
    }, async () => {
      deployment = await RuntimeDeployment.create(target, 'kill', { processes: 2 });
      const [victim, survivor] = deployment.apps;
      const runIds: string[] = [];
      for (let index = 0; index < 2 * RUNS_PER_PROCESS; index++) {
        runIds.push(await deployment.clients[index % 2]!.start('slowSteps', SLOW_RUN));
      }
      // Kill once the load is under way: some runs done, others still open.
      await pollUntil(
        'the load to be under way',
        async () => {
          const statuses = await survivor!.client.statuses(runIds);
          const completed = statuses.filter((run) => run.status === 'completed').length;
          return completed > 0 && completed < runIds.length ? true : undefined;
        },
        { intervalMs: 20, timeoutMs: 120_000 },
      );
      await victim!.crash();
      // Load keeps arriving on the survivor after the crash.
      for (let index = 0; index < 4; index++) {
        runIds.push(await survivor!.client.start('slowSteps', SLOW_RUN));
      }
      const outcomes = await waitForOutcomes(survivor!.client, runIds, 240_000);
      expect(outcomes.filter((outcome) => outcome.status !== 'completed')).toEqual([]);
      expect(outcomes.map((outcome) => outcome.value)).toEqual(runIds.map(() => SLOW_RESULT));
    });
  });
}

const letters = (count: number) =>
  Array.from({ length: count }, (_, index) => String.fromCharCode(97 + index)).join('');
const squares = (count: number) => Array.from({ length: count }, (_, index) => index * index);
