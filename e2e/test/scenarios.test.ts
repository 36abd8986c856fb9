import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { AppClient } from '../src/harness/client.js';
import { TestDeployment } from '../src/harness/deployment.js';
import { selectedTargets } from '../src/harness/targets.js';
import { uniqueToken } from '../src/harness/tokens.js';
import { pollUntil, waitForResult, waitForRuns } from '../src/harness/wait.js';

/** Waits until the run has registered a hook (optionally with this token) and returns it. */
function registeredHook(client: AppClient, runId: string, token?: string) {
  return pollUntil(`a hook on ${runId}`, async () =>
    (await client.hooks(runId)).find((hook) => token === undefined || hook.token === token),
  );
}

describe.each(selectedTargets())('scenarios on $name', (target) => {
  let deployment: TestDeployment;
  let app: AppClient;

  beforeAll(async () => {
    deployment = await TestDeployment.create(target, 'scenarios');
    app = deployment.clients[0]!;
  });
  afterAll(() => deployment?.close());

  test.concurrent('one step returns its result', async () => {
    const result = await waitForResult(app, await app.start('oneStep', [21]));
    expect(result).toMatchObject({ status: 'completed', output: 42 });
  });

  test.concurrent('10 sequential steps run in order', async () => {
    const result = await waitForResult(app, await app.start('sequentialSteps', [10]));
    expect(result).toMatchObject({ status: 'completed', output: 'abcdefghij' });
  });

  test.concurrent('Promise.all of 10 steps returns every result at its index', async () => {
    const result = await waitForResult(app, await app.start('parallelSteps', [10]));
    expect(result).toMatchObject({
      status: 'completed',
      output: [0, 2, 4, 6, 8, 10, 12, 14, 16, 18],
    });
  });

  test.concurrent('sleep suspends the run for at least its duration', async () => {
    const result = await waitForResult(app, await app.start('sleepThenReturn', [1500]));
    expect(result).toMatchObject({ status: 'completed', output: { value: 3000 } });
    expect((result.output as { slept: number }).slept).toBeGreaterThanOrEqual(1500);
  });

  test.concurrent('a hook resumed with a payload delivers it to the run', async () => {
    const token = uniqueToken('hook');
    const runId = await app.start('waitForHook', [token]);
    await registeredHook(app, runId, token);
    expect(await app.resumeHook(token, { message: 'hello hook' })).toBe(runId);
    const result = await waitForResult(app, runId);
    expect(result).toMatchObject({ status: 'completed', output: { received: 'hello hook' } });
    // The hook was disposed with the run: its token no longer resumes anything.
    await expect(app.resumeHook(token, { message: 'late' })).rejects.toMatchObject({
      errorName: 'HookNotFoundError',
    });
  });

  test.concurrent('a webhook receives the HTTP request posted to its route', async () => {
    const runId = await app.start('waitForWebhook');
    const hook = await registeredHook(app, runId);
    expect(hook.isWebhook).toBe(true);
    const response = await app.postWebhook(hook.token, 'hello webhook');
    expect(response.status).toBeLessThan(300);
    const result = await waitForResult(app, runId);
    expect(result).toMatchObject({
      status: 'completed',
      output: { method: 'POST', body: 'hello webhook' },
    });
  });

  test.concurrent('Promise.race of a hook and a sleep: the hook wins', async () => {
    const token = uniqueToken('race-hook');
    const runId = await app.start('hookOrTimeout', [token, 600_000]);
    await registeredHook(app, runId, token);
    await app.resumeHook(token, { message: 'first' });
    const result = await waitForResult(app, runId);
    expect(result).toMatchObject({
      status: 'completed',
      output: { winner: 'hook', message: 'first' },
    });
  });

  test.concurrent('Promise.race of a hook and a sleep: the sleep wins', async () => {
    const token = uniqueToken('race-sleep');
    const runId = await app.start('hookOrTimeout', [token, 1000]);
    const result = await waitForResult(app, runId);
    expect(result).toMatchObject({ status: 'completed', output: { winner: 'sleep' } });
  });

  test.concurrent('a step writes a stream that the client reads back in full', async () => {
    const runId = await app.start('streamChunks', [25]);
    const chunks = await app.readStream(runId);
    const expected = Array.from({ length: 25 }, (_, index) => `chunk-${index};`).join('');
    expect(chunks.join('')).toBe(expected);
    const result = await waitForResult(app, runId);
    expect(result).toMatchObject({ status: 'completed', output: { written: 25 } });
  });

  test.concurrent('a retryable step error is retried until the step succeeds', async () => {
    const runId = await app.start('retryThenSucceed', [2]);
    const result = await waitForResult(app, runId);
    expect(result).toMatchObject({ status: 'completed', output: { attempt: 3 } });
    const steps = await app.steps(runId);
    expect(steps).toEqual([expect.objectContaining({ status: 'completed', attempt: 3 })]);
  });

  test.concurrent('a fatal step error fails the run with its message', async () => {
    const runId = await app.start('fatalFailure', ['the order cannot be shipped']);
    const result = await waitForResult(app, runId);
    expect(result).toMatchObject({
      status: 'failed',
      errorMessage: 'the order cannot be shipped',
      errorCode: 'USER_ERROR',
    });
    const steps = await app.steps(runId);
    expect(steps).toEqual([expect.objectContaining({ status: 'failed', attempt: 1 })]);
  });

  test.concurrent('20 concurrent runs each return their own result', async () => {
    const runIds = await Promise.all(
      Array.from({ length: 20 }, (_, index) => app.start('oneStep', [index])),
    );
    const summaries = await waitForRuns([app], runIds);
    expect(summaries.map((summary) => summary.status)).toEqual(runIds.map(() => 'completed'));
    const results = await Promise.all(runIds.map((runId) => app.result(runId)));
    expect(results.map((result) => result.output)).toEqual(runIds.map((_, index) => index * 2));
  });
});
