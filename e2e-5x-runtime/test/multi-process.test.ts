import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectedTargets } from '../../e2e/src/harness/targets.js';
import { RuntimeDeployment } from '../src/harness/deployment.js';
import { resumeWhenCreated } from '../src/harness/hooks.js';
import { waitForOutcomes } from '../src/harness/wait.js';

const RUNS_PER_PROCESS = 8;

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
}

const letters = (count: number) =>
  Array.from({ length: count }, (_, index) => String.fromCharCode(97 + index)).join('');
const squares = (count: number) => Array.from({ length: count }, (_, index) => index * index);
