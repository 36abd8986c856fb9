import { type Event, eventSlotOf, newId, slotEventId } from '@worldkit/world';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyLayout } from '../src/keys.js';
import { createStorage } from '../src/storage/index.js';
import { StoreContext } from '../src/store-context.js';
import { assertRedisReachable, deleteKeys, REDIS_URL, scanKeys, testPrefix } from './helpers.js';

/** The two 5.x features as the Redis store keeps them: run attributes and the lazy step start. */
const prefix = testPrefix('line5x');
const keys = new KeyLayout(prefix, 'run');
const store = new StoreContext({ url: REDIS_URL, cluster: false }, keys, undefined);
const storage = createStorage(store);
const client = new Redis(REDIS_URL, { lazyConnect: true });
const bytes = (...values: number[]) => new Uint8Array(values);
const dataOf = (event: Event | undefined) =>
  (event as { eventData?: unknown } | undefined)?.eventData;

beforeAll(() => assertRedisReachable());
afterAll(async () => {
  await store.close();
  client.disconnect();
  await deleteKeys(prefix);
});

async function createdRun(attributes?: Record<string, string>) {
  const runId = newId('run');
  const created = await storage.events.create(runId, {
    eventType: 'run_created',
    specVersion: 4,
    eventData: {
      deploymentId: 'd',
      workflowName: 'wf',
      input: bytes(1),
      ...(attributes === undefined ? {} : { attributes }),
    },
  });
  return { runId, created };
}

async function startedRun() {
  const { runId } = await createdRun();
  await storage.events.create(runId, { eventType: 'run_started' });
  return runId;
}

/** Every key under the test prefix with its serialized value: what a refusal must not change. */
async function everything(): Promise<Map<string, string>> {
  const all = new Map<string, string>();
  for (const key of (await scanKeys(prefix)).sort()) {
    all.set(key, (await client.dumpBuffer(key))?.toString('hex') ?? '');
  }
  return all;
}

describe('run attributes on Redis', () => {
  it('are returned exactly as given on every read of the run, and kept on the event', async () => {
    const attributes = { $parentRunId: 'run_parent', '': 'empty key', status: 'not a field' };
    const { runId, created } = await createdRun(attributes);
    expect(created.run?.attributes).toEqual(attributes);
    expect(dataOf(created.event)).toMatchObject({ attributes });
    expect((await storage.runs.get(runId)).attributes).toEqual(attributes);
    expect((await storage.runs.get(runId, { resolveData: 'none' })).attributes).toEqual(attributes);
    const started = await storage.events.create(runId, { eventType: 'run_started' });
    expect(started.run?.attributes).toEqual(attributes);
    const listed = await storage.runs.list({ workflowName: 'wf', pagination: { limit: 100 } });
    expect(listed.data.find((run) => run.runId === runId)?.attributes).toEqual(attributes);
    const [first] = (await storage.events.list({ runId })).data;
    expect(dataOf(first)).toMatchObject({ attributes });
  });

  it('are one field of the run hash, so no attribute name can shadow a run field', async () => {
    const { runId } = await createdRun({ status: 'x', spec: 'y' });
    const hash = await client.hgetall(keys.run(runId).run);
    expect(hash.status).toBe('pending');
    expect(hash.spec).toBe('4');
    expect(Object.keys(hash)).toContain('attrs');
  });

  it('keep an empty record apart from none, whose run has no attributes key', async () => {
    const { runId: empty } = await createdRun({});
    expect((await storage.runs.get(empty)).attributes).toEqual({});
    const { runId: none, created } = await createdRun();
    expect(created.run).not.toHaveProperty('attributes');
    expect(await storage.runs.get(none)).not.toHaveProperty('attributes');
  });
});

describe('the lazy step start on Redis', () => {
  const lazyStart = (stepId: string, input = bytes(9)) => ({
    eventType: 'step_started' as const,
    correlationId: stepId,
    eventData: { stepName: 'add', workflowName: 'wf', attempt: 1, input },
  });

  it('creates the step running in one call, after a synthetic step_created', async () => {
    const runId = await startedRun();
    const stepId = newId('step');
    const result = await storage.events.create(runId, lazyStart(stepId));
    expect(result.stepCreated).toBe(true);
    expect(result.event).toMatchObject({
      eventType: 'step_started',
      correlationId: stepId,
      eventData: { stepName: 'add', workflowName: 'wf', attempt: 1 },
    });
    expect(dataOf(result.event)).not.toHaveProperty('input');
    const log = (await storage.events.list({ runId })).data.slice(2);
    expect(log.map((event) => [event.eventType, dataOf(event)])).toEqual([
      ['step_created', { stepName: 'add', workflowName: 'wf', input: bytes(9) }],
      ['step_started', { stepName: 'add', workflowName: 'wf', attempt: 1 }],
    ]);
    expect(log[1]).toEqual(result.event);
    const [created, started] = log as [(typeof log)[0], (typeof log)[0]];
    expect(created.eventId < started.eventId).toBe(true);
    expect(result.step).toMatchObject({
      stepId,
      stepName: 'add',
      status: 'running',
      attempt: 1,
      input: bytes(9),
      createdAt: created.createdAt,
      startedAt: started.createdAt,
      updatedAt: started.createdAt,
      specVersion: 3,
    });
    expect(await storage.steps.get(undefined, stepId)).toEqual(result.step);
    expect((await storage.steps.list({ runId })).data.map((step) => step.stepId)).toEqual([stepId]);
    const byCorrelation = await storage.events.listByCorrelationId({ correlationId: stepId });
    expect(byCorrelation.data.map((event) => event.eventType)).toEqual([
      'step_created',
      'step_started',
    ]);
  });

  it('leaves a plain step_started as it was', async () => {
    const runId = await startedRun();
    const stepId = newId('step');
    await storage.events.create(runId, {
      eventType: 'step_created',
      correlationId: stepId,
      eventData: { stepName: 'add', input: bytes(1) },
    });
    const started = await storage.events.create(runId, {
      eventType: 'step_started',
      correlationId: stepId,
      eventData: { stepName: 'add' },
    });
    expect(started).not.toHaveProperty('stepCreated');
    expect(started.step).toMatchObject({ status: 'running', attempt: 1, input: bytes(1) });
  });

  it('is refused as step_created would be, and a refusal leaves nothing behind', async () => {
    const runId = await startedRun();
    const stepId = newId('step');
    await storage.events.create(runId, lazyStart(stepId));
    const ended = await startedRun();
    await storage.events.create(ended, { eventType: 'run_completed', eventData: { output: 1 } });
    const before = await everything();

    await expect(storage.events.create(runId, lazyStart(stepId, bytes(2)))).rejects.toMatchObject({
      name: 'EntityConflictError',
      message: `step ${stepId} already exists in run ${runId}`,
    });
    await expect(storage.events.create(ended, lazyStart(newId('step')))).rejects.toMatchObject({
      name: 'EntityConflictError',
      message: `run ${ended} is already completed`,
    });
    await expect(
      storage.events.create(newId('run'), lazyStart(newId('step'))),
    ).rejects.toMatchObject({ name: 'WorkflowRunNotFoundError' });
    await expect(
      storage.events.create(runId, lazyStart(newId('step')), { lastKnownEventId: newId('event') }),
    ).rejects.toMatchObject({ code: 'FENCE_CONFLICT' });
    expect(await everything()).toEqual(before);
  });

  it('lets exactly one of many racing lazy starts create the step', async () => {
    const runId = await startedRun();
    const stepId = newId('step');
    const outcomes = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        storage.events.create(runId, lazyStart(stepId, bytes(i))),
      ),
    );
    const winners = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    expect(winners).toHaveLength(1);
    const log = (await storage.events.list({ runId })).data;
    expect(log.map((event) => event.eventType)).toEqual([
      'run_created',
      'run_started',
      'step_created',
      'step_started',
    ]);
  });
});

describe('slot event ids on Redis', () => {
  async function slotRun(specVersion = 7) {
    const runId = newId('run');
    await storage.events.create(runId, {
      eventType: 'run_created',
      specVersion,
      eventData: { deploymentId: 'd', workflowName: 'wf', input: bytes(1) },
    });
    await storage.events.create(runId, { eventType: 'run_started', specVersion });
    return runId;
  }

  /** The Redis server's clock, which a slot event's time comes from. */
  async function serverNow(): Promise<number> {
    const [seconds, micros] = await client.time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  }

  it('stamps each event with the server clock at the commit, as returned and as read', async () => {
    const runId = await slotRun();
    const before = await serverNow();
    const stepId = newId('step');
    const created = await storage.events.create(runId, {
      eventType: 'step_created',
      correlationId: stepId,
      specVersion: 7,
      eventData: { stepName: 'add', input: bytes(2) },
    });
    const after = await serverNow();
    const at = created.event!.createdAt.getTime();
    expect(at).toBeGreaterThanOrEqual(before);
    expect(at).toBeLessThanOrEqual(after);
    expect(created.step?.createdAt.getTime()).toBe(at);
    expect(await storage.events.get(runId, slotEventId(3))).toEqual(created.event);
    const log = (await storage.events.list({ runId })).data;
    expect(log.map((event) => event.eventId)).toEqual([1, 2, 3].map(slotEventId));
    expect(log.every((event) => event.createdAt instanceof Date)).toBe(true);
    expect(log[2]).toEqual(created.event);
  });

  it('guards stateUpdatedAt with the time of the newest external event, not its id', async () => {
    const runId = await slotRun();
    const stepId = newId('step');
    await storage.events.create(runId, {
      eventType: 'step_created',
      correlationId: stepId,
      specVersion: 7,
      eventData: { stepName: 'add', input: bytes(2) },
    });
    await storage.events.create(runId, {
      eventType: 'step_started',
      correlationId: stepId,
      specVersion: 7,
    });
    const completed = await storage.events.create(runId, {
      eventType: 'step_completed',
      correlationId: stepId,
      specVersion: 7,
      eventData: { result: bytes(3) },
    });
    const at = completed.event!.createdAt.getTime();
    expect(await client.hget(keys.run(runId).run, 'marker')).toBe(String(at));
    const stale = at - 1;
    await expect(
      storage.events.create(
        runId,
        {
          eventType: 'wait_created',
          correlationId: newId('wait'),
          specVersion: 7,
          eventData: { resumeAt: new Date(Date.now() + 60_000) },
        },
        { stateUpdatedAt: stale },
      ),
    ).rejects.toMatchObject({ status: 412 });
  });

  it('numbers a hook_conflict by slot, with its time', async () => {
    const token = `token-${newId('hook')}`;
    const holder = await slotRun();
    const runId = await slotRun();
    await storage.events.create(holder, {
      eventType: 'hook_created',
      correlationId: newId('hook'),
      specVersion: 7,
      eventData: { token },
    });
    const conflict = await storage.events.create(runId, {
      eventType: 'hook_created',
      correlationId: newId('hook'),
      specVersion: 7,
      eventData: { token },
    });
    expect(conflict.event).toMatchObject({ eventId: slotEventId(3), eventType: 'hook_conflict' });
    expect(await storage.events.get(runId, slotEventId(3))).toEqual(conflict.event);
  });

  it('pages events of one correlation id across runs whose slot ids are the same', async () => {
    const correlationId = newId('wait');
    const runs = [await slotRun(), await slotRun(), await slotRun()];
    for (const runId of runs) {
      await storage.events.create(runId, {
        eventType: 'wait_created',
        correlationId,
        specVersion: 7,
        eventData: { resumeAt: new Date(Date.now() + 60_000) },
      });
    }
    const all = await storage.events.listByCorrelationId({ correlationId });
    expect(all.data.map((event) => event.eventId)).toEqual(runs.map(() => slotEventId(3)));
    for (const sortOrder of ['asc', 'desc'] as const) {
      const seen: string[] = [];
      let cursor: string | undefined;
      for (;;) {
        const page = await storage.events.listByCorrelationId({
          correlationId,
          pagination: { limit: 1, sortOrder, ...(cursor === undefined ? {} : { cursor }) },
        });
        seen.push(...page.data.map((event) => event.runId));
        if (!page.hasMore) break;
        cursor = page.cursor!;
      }
      const expected = all.data.map((event) => event.runId);
      expect(seen, sortOrder).toEqual(sortOrder === 'asc' ? expected : expected.reverse());
      expect(new Set(seen).size).toBe(3);
    }
  });

  it('keeps ULID ids on a spec 5 run', async () => {
    const runId = await slotRun(5);
    const log = (await storage.events.list({ runId })).data;
    expect(log.map((event) => eventSlotOf(event.eventId))).toEqual([undefined, undefined]);
  });
});
