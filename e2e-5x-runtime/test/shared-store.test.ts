import { eventSlotOf } from '@worldkit/world';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { worldSelectionEnv } from '../../e2e/src/harness/app-process.js';
import { type CliWorld, workflowCliEnvOf, workflowCliJson } from '../../e2e/src/harness/sdk-cli.js';
import { selectedTargets } from '../../e2e/src/harness/targets.js';
import { RuntimeDeployment } from '../src/harness/deployment.js';
import { waitForOutcomes } from '../src/harness/wait.js';

/**
 * One store, both lines: a run the 5.x runtime wrote (spec 7, its events numbered by slot) is
 * read by the 4.x SDK's own CLI (`@workflow/cli` 4.3.13, the e2e package's) through the World's
 * 4.x entry, on the same data directory, schema or key prefix, as a user's tools would.
 */

interface Run {
  runId: string;
  status: string;
}
interface Event {
  eventId: string;
  eventType: string;
}

describe.each(selectedTargets())('a 5.x run on $name, read by the 4.x CLI', (target) => {
  let deployment: RuntimeDeployment;
  let runId: string;
  let cli: CliWorld;

  beforeAll(async () => {
    deployment = await RuntimeDeployment.create(target, 'shared-store');
    const [app] = deployment.clients;
    runId = await app!.start('sequentialSteps', [3]);
    const [outcome] = await waitForOutcomes(app!, [runId]);
    expect(outcome!.value).toBe('abc');
    cli = {
      name: target.name,
      env: workflowCliEnvOf({ ...deployment.storageEnv, ...worldSelectionEnv(target) }),
    };
  });
  afterAll(() => deployment?.close());

  test('inspect run <id> shows its spec version, input and output, as the 5.x runtime wrote them', async () => {
    const run = await workflowCliJson<Record<string, unknown>>(cli, ['inspect', 'run', runId]);
    expect(run).toMatchObject({
      runId,
      status: 'completed',
      specVersion: 7,
      input: [3],
      output: 'abc',
    });
  });

  test('inspect runs lists it, completed', async () => {
    const page = await workflowCliJson<{ data: Run[] }>(cli, ['inspect', 'runs']);
    expect(page.data.find((run) => run.runId === runId)?.status).toBe('completed');
  });

  test('inspect events -r <id> shows its whole log, numbered by slot from 1', async () => {
    const events = await workflowCliJson<Event[]>(cli, ['inspect', 'events', '-r', runId]);
    const oldestFirst = [...events].reverse();
    expect(oldestFirst.map((event) => eventSlotOf(event.eventId))).toEqual(
      oldestFirst.map((_, index) => index + 1),
    );
    expect(oldestFirst[0]!.eventType).toBe('run_created');
    expect(events[0]!.eventType).toBe('run_completed');
    expect(events.filter((event) => event.eventType === 'step_completed')).toHaveLength(3);
  });
});
