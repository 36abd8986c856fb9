import { newId } from '@worldkit/world';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyLayout } from '../src/keys.js';
import { createStorage } from '../src/storage/index.js';
import { StoreContext } from '../src/store-context.js';
import { assertRedisReachable, deleteKeys, REDIS_URL, testPrefix } from './helpers.js';

const prefix = testPrefix('storage');
const store = new StoreContext(
  { url: REDIS_URL, cluster: false },
  new KeyLayout(prefix, 'run'),
  undefined,
);
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

describe('reads on Redis', () => {
  async function startedRun(workflowName = 'wf') {
    const runId = newId('run');
    await storage.events.create(runId, {
      eventType: 'run_created',
      eventData: { deploymentId: 'd', workflowName, input: bytes(1), executionContext: { a: 1 } },
    });
    await storage.events.create(runId, { eventType: 'run_started' });
    return runId;
  }

  it('pages events with cursors that stay valid, strictly after, non-null on the last page', async () => {
    const runId = await startedRun();
    for (let i = 0; i < 5; i++) {
      await storage.events.create(runId, {
        eventType: 'wait_created',
        correlationId: `wait_${i}`,
        eventData: { resumeAt: new Date(1_700_000_000_123 + i) },
      });
    }
    const first = await storage.events.list({ runId, pagination: { limit: 4 } });
    expect(first.hasMore).toBe(true);
    const rest = await storage.events.list({
      runId,
      pagination: { limit: 4, cursor: first.cursor! },
    });
    expect(rest.hasMore).toBe(false);
    expect(rest.cursor).toBe(rest.data.at(-1)!.eventId);
    expect([...first.data, ...rest.data].map((e) => e.eventType)).toEqual([
      'run_created',
      'run_started',
      ...Array(5).fill('wait_created'),
    ]);
    expect(
      (rest.data.at(-1) as { eventData?: { resumeAt: Date } }).eventData!.resumeAt.getTime(),
    ).toBe(1_700_000_000_127);
    const after = await storage.events.list({ runId, pagination: { cursor: rest.cursor! } });
    expect(after).toEqual({ data: [], cursor: rest.cursor, hasMore: false });
    await expect(
      storage.events.list({ runId, pagination: { cursor: newId('event') } }),
    ).rejects.toMatchObject({ status: 400 });
    const byCorrelation = await storage.events.listByCorrelationId({ correlationId: 'wait_3' });
    expect(byCorrelation.data.map((e) => e.correlationId)).toEqual(['wait_3']);
    const one = await storage.events.get(runId, byCorrelation.data[0]!.eventId);
    expect(one).toEqual(byCorrelation.data[0]);
  });

  it('finds hooks by token and id, strips payloads on resolveData none, and 404s by name', async () => {
    const runId = await startedRun();
    const token = `tok ${newId('hook')} {x}`;
    await storage.events.create(runId, {
      eventType: 'hook_created',
      correlationId: 'hook_1',
      eventData: { token, metadata: bytes(5, 6), isWebhook: true },
    });
    expect(await storage.hooks.getByToken(token)).toMatchObject({
      runId,
      hookId: 'hook_1',
      metadata: bytes(5, 6),
      isWebhook: true,
      specVersion: 3,
    });
    expect(await storage.hooks.get('hook_1', { resolveData: 'none' })).not.toHaveProperty(
      'metadata',
    );
    expect((await storage.hooks.list({ runId })).data.map((h) => h.hookId)).toEqual(['hook_1']);
    await storage.events.create(runId, { eventType: 'hook_disposed', correlationId: 'hook_1' });
    await expect(storage.hooks.getByToken(token)).rejects.toMatchObject({
      name: 'HookNotFoundError',
    });
    await expect(storage.runs.get(newId('run'))).rejects.toMatchObject({
      name: 'WorkflowRunNotFoundError',
    });
    await expect(storage.steps.get(runId, 'step_none')).rejects.toMatchObject({ status: 404 });
    const run = await storage.runs.get(runId, { resolveData: 'none' });
    expect(run).toMatchObject({ input: undefined, executionContext: { a: 1 }, specVersion: 3 });
  });

  it('lists runs by status and workflow name in both orders', async () => {
    const workflowName = `wf_${newId('run')}`;
    const a = await startedRun(workflowName);
    const b = await startedRun(workflowName);
    await storage.events.create(b, { eventType: 'run_cancelled' });
    const all = await storage.runs.list({ workflowName, pagination: { sortOrder: 'asc' } });
    expect(all.data.map((r) => r.runId)).toEqual([a, b]);
    const desc = await storage.runs.list({ workflowName, pagination: { limit: 1 } });
    expect(desc.data.map((r) => r.runId)).toEqual([b]);
    const next = await storage.runs.list({
      workflowName,
      pagination: { limit: 1, cursor: desc.cursor! },
    });
    expect(next.data.map((r) => r.runId)).toEqual([a]);
    const running = await storage.runs.list({ workflowName, status: 'running' });
    expect(running.data.map((r) => r.runId)).toEqual([a]);
  });

  it('refuses bad input with a typed error and writes nothing', async () => {
    const runId = newId('run');
    await expect(
      storage.events.create(runId, {
        eventType: 'step_created',
        correlationId: '../x',
        eventData: {},
      } as never),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(
      storage.events.create('bad id', {
        eventType: 'run_created',
        eventData: { deploymentId: 'd', workflowName: 'w', input: bytes(1) },
      }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'runId' });
    await expect(storage.runs.get(runId)).rejects.toMatchObject({
      name: 'WorkflowRunNotFoundError',
    });
    expect((await storage.events.list({ runId })).data).toEqual([]);
  });

  it('orders events strictly under concurrent writers to one run', async () => {
    const runId = await startedRun();
    await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        storage.events.create(runId, {
          eventType: 'step_created',
          correlationId: `step_${i}`,
          eventData: { stepName: 's', input: bytes(i) },
        }),
      ),
    );
    const log = await storage.events.list({ runId });
    const ids = log.data.map((e) => e.eventId);
    expect(new Set(ids).size).toBe(102);
    expect([...ids].sort()).toEqual(ids);
    const times = log.data.map((e) => e.createdAt.getTime());
    expect([...times].sort((x, y) => x - y)).toEqual(times);
  });
});
