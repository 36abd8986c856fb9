import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectedTargets } from '../../e2e/src/harness/targets.js';
import { RuntimeDeployment, SPEC_VERSION } from '../src/harness/deployment.js';
import { resumeWhenCreated } from '../src/harness/hooks.js';
import { waitForOutcomes } from '../src/harness/wait.js';

for (const target of selectedTargets()) {
  describe(`workflow 5.0.0-beta.55 on ${target.name}`, () => {
    let deployment: RuntimeDeployment;
    const app = () => deployment.clients[0]!;

    /** Starts one run and waits for its status and outcome. */
    async function run(workflow: string, args: unknown[]) {
      const runId = await app().start(workflow, args);
      const [outcome] = await waitForOutcomes(app(), [runId]);
      return outcome!;
    }

    beforeAll(async () => {
      deployment = await RuntimeDeployment.create(target, 'scenarios');
    });
    afterAll(() => deployment?.close());

    it('runs 10 sequential steps in order, on a run of the declared spec version', async () => {
      const outcome = await run('sequentialSteps', [10]);
      expect(outcome).toMatchObject({ status: 'completed', specVersion: SPEC_VERSION });
      expect(outcome.value).toBe('abcdefghij');
    });

    it('runs Promise.all of 5 steps, each result at its index', async () => {
      const outcome = await run('parallelSteps', [5]);
      expect(outcome.status).toBe('completed');
      expect(outcome.value).toEqual([0, 1, 4, 9, 16]);
    });

    it('sleeps durably between steps', async () => {
      const outcome = await run('sleepBetweenSteps', [1000]);
      expect(outcome.status).toBe('completed');
      const value = outcome.value as { slept: number; value: number };
      expect(value.slept).toBeGreaterThanOrEqual(1000);
      expect(value.value).toBe(1_000_000);
    });

    it('resumes a hook from outside with its payload', async () => {
      const token = `hook-${randomUUID()}`;
      const runId = await app().start('waitForHook', [token]);
      expect(await resumeWhenCreated(app(), token, { message: 'from outside' })).toBe(runId);
      const [outcome] = await waitForOutcomes(app(), [runId]);
      expect(outcome).toMatchObject({ status: 'completed', value: { received: 'from outside' } });
    });

    it('retries a step that throws a retryable error until it succeeds', async () => {
      const outcome = await run('retryThenSucceed', [3]);
      expect(outcome).toMatchObject({ status: 'completed', value: { attempt: 3 } });
    });

    it('fails the run on a FatalError, handing the error back as the failure cause', async () => {
      const outcome = await run('fatalFailure', ['fatal on purpose']);
      expect(outcome.status).toBe('failed');
      expect(outcome.error).toMatchObject({
        name: 'WorkflowRunFailedError',
        cause: { name: 'FatalError', message: 'fatal on purpose' },
      });
    });
  });
}
