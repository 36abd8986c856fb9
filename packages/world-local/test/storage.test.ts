import { describe, expect, it } from 'vitest';
import { bytes, runCreated, useTempWorlds } from './helpers/temp-world.js';

const temp = useTempWorlds();

describe('storage', () => {
  it('creates, starts and completes a run with steps, hooks and waits', async () => {
    const world = temp.world();
    const created = await world.events.create(null, runCreated());
    const runId = created.run!.runId;
    expect(created.run!.status).toBe('pending');

    const started = await world.events.create(runId, { eventType: 'run_started', specVersion: 3 });
    expect(started.run!.status).toBe('running');
    expect(started.events!.map((e) => e.eventType)).toEqual(['run_created', 'run_started']);
    expect(started.hasMore).toBe(false);

    await world.events.create(runId, {
      eventType: 'step_created',
      correlationId: 'step_1',
      specVersion: 3,
      eventData: { stepName: 's', input: bytes('step-in') },
    });
    const stepStarted = await world.events.create(runId, {
      eventType: 'step_started',
      correlationId: 'step_1',
      specVersion: 3,
    });
    expect(stepStarted.step!.attempt).toBe(1);
    expect(stepStarted.step!.input).toEqual(bytes('step-in'));

    const hook = await world.events.create(runId, {
      eventType: 'hook_created',
      correlationId: 'hook_1',
      specVersion: 3,
      eventData: { token: 'order:1/../x', isWebhook: false },
    });
    expect(hook.hook!.token).toBe('order:1/../x');
    expect((await world.hooks.getByToken('order:1/../x')).hookId).toBe('hook_1');
    expect((await world.hooks.get('hook_1')).runId).toBe(runId);

    await world.events.create(runId, {
      eventType: 'wait_created',
      correlationId: 'wait_1',
      specVersion: 3,
      eventData: { resumeAt: new Date(1_700_000_000_123) },
    });

    await world.events.create(runId, {
      eventType: 'step_completed',
      correlationId: 'step_1',
      specVersion: 3,
      eventData: { result: bytes('out') },
    });
    const step = await world.steps.get(undefined, 'step_1');
    expect(step.status).toBe('completed');
    expect(step.output).toEqual(bytes('out'));

    await world.events.create(runId, {
      eventType: 'run_completed',
      specVersion: 3,
      eventData: { output: bytes('done') },
    });
    const run = await world.runs.get(runId);
    expect(run.status).toBe('completed');
    await expect(world.hooks.getByToken('order:1/../x')).rejects.toMatchObject({
      name: 'HookNotFoundError',
    });

    const events = await world.events.list({ runId });
    expect(events.data.map((e) => e.eventType)).toEqual([
      'run_created',
      'run_started',
      'step_created',
      'step_started',
      'hook_created',
      'wait_created',
      'step_completed',
      'run_completed',
    ]);
    const ids = events.data.map((e) => e.eventId);
    expect([...ids].sort()).toEqual(ids);
    expect(events.cursor).toBe(ids.at(-1));
    const wait = events.data.find((e) => e.eventType === 'wait_created')!;
    expect((wait as { eventData?: { resumeAt: Date } }).eventData!.resumeAt).toEqual(
      new Date(1_700_000_000_123),
    );
  });

  it('survives closing and reopening the data directory', async () => {
    const dataDir = temp.dir();
    const first = temp.world({ dataDir });
    const { run } = await first.events.create(null, runCreated());
    await first.events.create(run!.runId, { eventType: 'run_started', specVersion: 3 });
    await first.close();
    const second = temp.world({ dataDir });
    expect((await second.runs.get(run!.runId)).status).toBe('running');
    const list = await second.runs.list({ status: 'running' });
    expect(list.data.map((r) => r.runId)).toEqual([run!.runId]);
  });

  it('works the same in fsync durability mode', async () => {
    const dataDir = temp.dir();
    const first = temp.world({ dataDir, durability: 'fsync' });
    const runId = (await first.events.create(null, runCreated())).run!.runId;
    await first.events.create(runId, {
      eventType: 'hook_created',
      correlationId: 'hook_1',
      specVersion: 3,
      eventData: { token: 'fsync-token' },
    });
    await first.queue('__wkf_workflow_w', { runId } as never);
    await first.writeToStream('strm_f', runId, 'x');
    await first.close();
    const second = temp.world({ dataDir, durability: 'fsync' });
    expect((await second.hooks.getByToken('fsync-token')).runId).toBe(runId);
    expect(await second.getStreamInfo('strm_f', runId)).toEqual({ tailIndex: 0, done: false });
  });

  it('lets exactly one of many concurrent duplicate step_created win', async () => {
    const world = temp.world();
    const { run } = await world.events.create(null, runCreated());
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () =>
        world.events.create(run!.runId, {
          eventType: 'step_created',
          correlationId: 'step_dup',
          specVersion: 3,
          eventData: { stepName: 's', input: bytes('x') },
        }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r) => r.status === 'rejected')) {
      expect((r as PromiseRejectedResult).reason.name).toBe('EntityConflictError');
    }
  });

  it('turns a token held by another run into a hook_conflict event', async () => {
    const world = temp.world();
    const a = (await world.events.create(null, runCreated())).run!.runId;
    const b = (await world.events.create(null, runCreated())).run!.runId;
    const hook = (correlationId: string) => ({
      eventType: 'hook_created' as const,
      correlationId,
      specVersion: 3,
      eventData: { token: 'shared' },
    });
    await world.events.create(a, hook('hook_a'));
    const conflict = await world.events.create(b, hook('hook_b'));
    expect(conflict.event!.eventType).toBe('hook_conflict');
    expect(conflict.event).toMatchObject({ eventData: { conflictingRunId: a } });
    await world.events.create(a, {
      eventType: 'hook_disposed',
      correlationId: 'hook_a',
      specVersion: 3,
    });
    const reclaimed = await world.events.create(b, hook('hook_c'));
    expect(reclaimed.hook!.runId).toBe(b);
  });

  it('enforces both fences', async () => {
    const world = temp.world();
    const { run, event } = await world.events.create(null, runCreated());
    const runId = run!.runId;
    await expect(
      world.events.create(
        runId,
        { eventType: 'run_started', specVersion: 3 },
        { lastKnownEventId: 'evnt_stale' },
      ),
    ).rejects.toMatchObject({ code: 'FENCE_CONFLICT', status: 412 });
    const started = await world.events.create(
      runId,
      { eventType: 'run_started', specVersion: 3 },
      { lastKnownEventId: event!.eventId },
    );
    expect(started.event!.eventType).toBe('run_started');
    expect((await world.events.list({ runId })).data).toHaveLength(2);
  });

  it('refuses ids that could leave their folder; reads of them find nothing', async () => {
    const world = temp.world();
    await expect(world.runs.get('../../etc/passwd')).rejects.toMatchObject({
      name: 'WorkflowRunNotFoundError',
    });
    await expect(
      world.events.create('wrun_x/..', { eventType: 'run_started', specVersion: 3 }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(world.hooks.get('a/b')).rejects.toMatchObject({ name: 'HookNotFoundError' });
    await expect(world.writeToStream('strm_x', '../x', 'chunk')).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
  });
});
