import { idTime } from '@worldkit/world';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld } from '../src/index.js';
import { DATABASE_URL, dropSchema, randomSchema } from './helpers.js';

/**
 * What the conformance suite cannot see of the 5.x features: how append_event() stores a lazy
 * step start and run attributes, both through append_event() and in a batch (append_events()),
 * and that a call without the new parameter (an app not yet upgraded) still resolves.
 */

const schema = randomSchema();
const world = createWorld({ connectionString: DATABASE_URL, schema });
const batched = createWorld({ connectionString: DATABASE_URL, schema, appendConcurrency: 1 });
const admin = new pg.Client({ connectionString: DATABASE_URL });
const input = new Uint8Array([7, 0, 255]);

beforeAll(async () => {
  await admin.connect();
  await world.migrate();
});

afterAll(async () => {
  await Promise.all([world.close(), batched.close()]);
  await admin.end();
  await dropSchema(schema);
});

/** An event's data (the Event union spells it only on the types that have some). */
const dataOf = (event: unknown) => (event as { eventData?: unknown } | undefined)?.eventData;

async function startedRun(runId: string) {
  await world.events.create(runId, {
    eventType: 'run_created',
    specVersion: 5,
    eventData: { deploymentId: 'd', workflowName: 'wf', input },
  });
  await world.events.create(runId, { eventType: 'run_started' });
}

describe('lazy step start', () => {
  it('stores step_created with the input and step_started without it, the step timed by both', async () => {
    const runId = 'wrun_lazy_stored';
    await startedRun(runId);
    const result = await world.events.create(runId, {
      eventType: 'step_started',
      correlationId: 'step_1',
      specVersion: 5,
      eventData: { stepName: 'charge', workflowName: 'wf', attempt: 1, input },
    });
    const events = (await world.events.list({ runId })).data.slice(2);
    expect(events.map((e) => [e.eventType, dataOf(e)])).toEqual([
      ['step_created', { stepName: 'charge', workflowName: 'wf', input }],
      ['step_started', { stepName: 'charge', workflowName: 'wf', attempt: 1 }],
    ]);
    const [created, started] = events;
    expect(created!.eventId < started!.eventId).toBe(true);
    expect(result.event).toEqual(started);
    const step = await world.steps.get(runId, 'step_1');
    expect(step).toMatchObject({ stepName: 'charge', status: 'running', attempt: 1, input });
    expect(step.specVersion).toBe(5);
    expect(step.createdAt.getTime()).toBe(idTime(created!.eventId));
    expect(step.startedAt?.getTime()).toBe(idTime(started!.eventId));
    expect(result.step).toEqual(step);
    // Listed in creation order, by its step_created.
    const { rows } = await admin.query(
      `SELECT created_event_id, payload IS NULL AS no_payload FROM "${schema}".steps
       JOIN "${schema}".events USING (run_id) WHERE run_id = $1 AND event_type = 'step_started'`,
      [runId],
    );
    expect(rows).toEqual([{ created_event_id: created!.eventId, no_payload: true }]);
  });

  it('stores a step_created without workflowName when the start has none', async () => {
    const runId = 'wrun_lazy_no_workflow';
    await startedRun(runId);
    await world.events.create(runId, {
      eventType: 'step_started',
      correlationId: 'step_1',
      eventData: { stepName: 'charge', input },
    });
    const created = (await world.events.listByCorrelationId({ correlationId: 'step_1', runId }))
      .data[0];
    expect(dataOf(created)).toEqual({ stepName: 'charge', input });
  });

  it('in a batch: each step gets exactly one owner, every other start a conflict', async () => {
    const runIds = ['wrun_lazy_batch_a', 'wrun_lazy_batch_b', 'wrun_lazy_batch_c'];
    await Promise.all(runIds.map(startedRun));
    const starts = runIds.flatMap((runId) =>
      ['step_a', 'step_b'].flatMap((stepId) =>
        Array.from({ length: 4 }, () =>
          batched.events
            .create(runId, {
              eventType: 'step_started',
              correlationId: stepId,
              eventData: { stepName: 's', input },
            })
            .then(
              (result) => `${runId}/${stepId}: created ${result.stepCreated}`,
              (error: { name: string }) => `${runId}/${stepId}: ${error.name}`,
            ),
        ),
      ),
    );
    const outcomes = await Promise.all(starts);
    for (const runId of runIds) {
      for (const stepId of ['step_a', 'step_b']) {
        const mine = outcomes.filter((o) => o.startsWith(`${runId}/${stepId}:`)).sort();
        expect(mine).toEqual([
          `${runId}/${stepId}: EntityConflictError`,
          `${runId}/${stepId}: EntityConflictError`,
          `${runId}/${stepId}: EntityConflictError`,
          `${runId}/${stepId}: created true`,
        ]);
      }
      const types = (await world.events.list({ runId })).data.map((e) => e.eventType);
      expect(types.slice(2).sort()).toEqual([
        'step_created',
        'step_created',
        'step_started',
        'step_started',
      ]);
    }
  });
});

describe('run attributes', () => {
  // Kept exactly, key order included, and any string: jsonb would sort the keys and refuse NUL.
  const attributes = {
    zeta: 'last first',
    $parentRunId: 'wrun_parent',
    empty: '',
    nul: 'a\u0000b',
  };

  it('are returned exactly as given on every read, in a batch too', async () => {
    const runIds = ['wrun_attributes_a', 'wrun_attributes_b', 'wrun_attributes_c'];
    const results = await Promise.all(
      runIds.map((runId) =>
        batched.events.create(runId, {
          eventType: 'run_created',
          specVersion: 4,
          eventData: { deploymentId: 'd', workflowName: 'wf_attributes', input, attributes },
        }),
      ),
    );
    for (const result of results) {
      expect(Object.entries(result.run?.attributes ?? {})).toEqual(Object.entries(attributes));
      expect(dataOf(result.event)).toMatchObject({ attributes });
    }
    const runId = runIds[0]!;
    const started = await world.events.create(runId, { eventType: 'run_started' });
    expect(started.run?.attributes).toEqual(attributes);
    expect(dataOf(started.events?.[0])).toMatchObject({ attributes });
    const read = await world.runs.get(runId, { resolveData: 'none' });
    expect(Object.entries(read.attributes ?? {})).toEqual(Object.entries(attributes));
    const listed = await world.runs.list({ workflowName: 'wf_attributes' });
    expect(listed.data.map((run) => run.attributes)).toEqual(runIds.map(() => attributes));
  });

  it('an append_event() call without them, as an app not yet upgraded sends it, still resolves', async () => {
    const { rows } = await admin.query(
      `SELECT code, outcome, rn_attributes FROM "${schema}".append_event('wrun_old_caller',
         'run_created', NULL, 3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'd', 'wf', NULL,
         NULL, NULL, '0000000000000000')`,
    );
    expect(rows).toEqual([{ code: null, outcome: 'applied', rn_attributes: null }]);
    expect((await world.runs.get('wrun_old_caller')).attributes).toBeUndefined();
  });
});
