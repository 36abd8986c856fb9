import { afterAll, describe, expect, it } from 'vitest';
import { createWorld } from '../src/index.js';
import { DATABASE_URL, dropSchema, randomSchema } from './helpers.js';

const schema = randomSchema();
const world = createWorld({ connectionString: DATABASE_URL, schema });

afterAll(async () => {
  await world.close();
  await dropSchema(schema);
});

describe('smoke', () => {
  it('runs a workflow lifecycle', async () => {
    const input = new Uint8Array([1, 2, 3]);
    const created = await world.events.create(null, {
      eventType: 'run_created',
      eventData: { deploymentId: 'd', workflowName: 'wf', input },
    });
    const runId = created.run!.runId;
    const started = await world.events.create(runId, { eventType: 'run_started' });
    expect(started.run?.status).toBe('running');
    expect(started.events?.map((e) => e.eventType)).toEqual(['run_created', 'run_started']);
    const step = await world.events.create(runId, {
      eventType: 'step_created',
      correlationId: 'step_1',
      eventData: { stepName: 's', input },
    });
    expect(step.step?.status).toBe('pending');
    const s2 = await world.events.create(runId, {
      eventType: 'step_started',
      correlationId: 'step_1',
    });
    expect(s2.step?.attempt).toBe(1);
    expect(s2.step?.input).toEqual(input);
    const done = await world.events.create(runId, {
      eventType: 'step_completed',
      correlationId: 'step_1',
      eventData: { result: new Uint8Array([9]) },
    });
    expect(done.step?.output).toEqual(new Uint8Array([9]));
    const list = await world.events.list({ runId });
    expect(list.data.map((e) => e.eventType)).toEqual([
      'run_created',
      'run_started',
      'step_created',
      'step_started',
      'step_completed',
    ]);
    // The final page still has a cursor, and nothing comes after it.
    expect(list.cursor).toBe(list.data.at(-1)?.eventId);
    const after = await world.events.list({ runId, pagination: { cursor: list.cursor! } });
    expect(after).toEqual({ data: [], cursor: list.cursor, hasMore: false });
  });
});
