import { newId } from '@worldkit/world';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyLayout } from '../src/keys.js';
import { createStorage } from '../src/storage.js';
import { StoreContext } from '../src/store-context.js';
import { assertRedisReachable, deleteKeys, REDIS_URL, testPrefix } from './helpers.js';

const prefix = testPrefix('storage');
const store = new StoreContext(REDIS_URL, new KeyLayout(prefix, 'run'), undefined);
const storage = createStorage(store);
const bytes = (...values: number[]) => new Uint8Array(values);

beforeAll(() => assertRedisReachable());
afterAll(async () => {
  await store.close();
  await deleteKeys(prefix);
});

describe('events.create on Redis', () => {
  it('runs a workflow through its life', async () => {
    const runId = newId('run');
    const created = await storage.events.create(runId, {
      eventType: 'run_created',
      eventData: { deploymentId: 'd', workflowName: 'wf', input: bytes(0, 1, 255) },
    });
    expect(created.run?.status).toBe('pending');
    expect(created.run?.input).toEqual(bytes(0, 1, 255));
    const started = await storage.events.create(runId, { eventType: 'run_started' });
    expect(started.run?.status).toBe('running');
    expect(started.events?.map((e) => e.eventType)).toEqual(['run_created', 'run_started']);
    const stepId = newId('step');
    await storage.events.create(runId, {
      eventType: 'step_created',
      correlationId: stepId,
      eventData: { stepName: 's', input: bytes(9) },
    });
    const stepStarted = await storage.events.create(runId, {
      eventType: 'step_started',
      correlationId: stepId,
    });
    expect(stepStarted.step).toMatchObject({ status: 'running', attempt: 1, input: bytes(9) });
    await storage.events.create(runId, {
      eventType: 'step_completed',
      correlationId: stepId,
      eventData: { result: bytes(7) },
    });
    const done = await storage.events.create(runId, {
      eventType: 'run_completed',
      eventData: { output: bytes(1) },
    });
    expect(done.run).toMatchObject({ status: 'completed', output: bytes(1) });
    const events = await storage.events.list({ runId });
    expect(events.data.map((e) => e.eventType)).toEqual([
      'run_created',
      'run_started',
      'step_created',
      'step_started',
      'step_completed',
      'run_completed',
    ]);
    const ids = events.data.map((e) => e.eventId);
    expect([...ids].sort()).toEqual(ids);
    expect(await storage.steps.get(runId, stepId)).toMatchObject({ output: bytes(7) });
  });
});
