import { type Event, idTime, type World } from '@worldkit/world';
import { expect } from 'vitest';
import { expectBytes, expectDate, expectRejects } from '../assertions.js';
import type { ConformanceCase } from '../context.js';
import {
  allBytes,
  allEvents,
  append,
  collect,
  createRun,
  createRunWithHook,
  createRunWithStep,
  dataOf,
  ev,
  payload,
} from '../fixtures.js';
import {
  ascendingIds,
  newHookId,
  newRunId,
  newStepId,
  newToken,
  newWaitId,
  uid,
  workflowName,
} from '../names.js';

/** A run with one of everything: two steps, a hook, a wait and a received payload. */
async function busyRun(world: World) {
  const runId = await createRun(world);
  const stepId = newStepId();
  const hookId = newHookId();
  const waitId = newWaitId();
  const token = newToken();
  await append(world, runId, ev.stepCreated(stepId));
  await append(world, runId, ev.stepStarted(stepId));
  await append(world, runId, ev.stepCompleted(stepId));
  await append(world, runId, ev.hookCreated(hookId, token, { metadata: payload() }));
  await append(world, runId, ev.hookReceived(hookId, token));
  await append(world, runId, ev.waitCreated(waitId, new Date(Date.now() + 60_000)));
  return { runId, stepId, hookId, waitId, token };
}

/** Pages through the run's log with `limit`, checking the cursor contract on every page. */
async function pageThrough(world: World, runId: string, limit: number, sortOrder: 'asc' | 'desc') {
  const seen: Event[] = [];
  const cursors = new Set<string>();
  let cursor: string | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const page = await world.events.list({
      runId,
      pagination: { limit, sortOrder, ...(cursor === undefined ? {} : { cursor }) },
    });
    expect(page.data.length, 'a page holds at most `limit` events').toBeLessThanOrEqual(limit);
    seen.push(...page.data);
    if (page.data.length > 0) {
      expect(page.cursor, 'every non-empty page returns a cursor, the final one too').toBeTruthy();
    }
    if (!page.hasMore) return { seen, lastCursor: page.cursor };
    expect(page.cursor, 'hasMore: true requires a cursor').toBeTruthy();
    expect(cursors.has(page.cursor!), 'a cursor repeated: the runtime fails the run').toBe(false);
    cursors.add(page.cursor!);
    cursor = page.cursor!;
  }
  throw new Error('paging did not end');
}

export const storageCases: ConformanceCase[] = [
  {
    name: 'run_created returns the run with every field',
    async run(t) {
      const world = await t.world();
      const runId = newRunId();
      const name = workflowName();
      const input = payload();
      const executionContext = { workflowCoreVersion: '4.8.9', features: { encryption: false } };
      const result = await append(
        world,
        runId,
        ev.runCreated({ workflowName: name, input, executionContext }),
      );
      const run = result.run!;
      expect(run, 'run_created must return the run').toBeTruthy();
      expect(result.event?.eventType).toBe('run_created');
      expect(run.runId).toBe(runId);
      expect(run.status).toBe('pending');
      expect(run.workflowName).toBe(name);
      expect(run.deploymentId).toBe('dpl_conformance');
      expect(run.specVersion).toBe(3);
      expect(run.executionContext).toEqual(executionContext);
      expectBytes(run.input, input, 'run.input');
      expectDate(run.createdAt, undefined, 'run.createdAt');
      expectDate(run.updatedAt, undefined, 'run.updatedAt');
      expect(run.startedAt).toBeUndefined();
      expect(run.completedAt).toBeUndefined();
    },
  },
  {
    name: 'run_created without a run id generates a wrun_ id',
    async run(t) {
      const world = await t.world();
      const result = await append(world, null, ev.runCreated());
      expect(result.run?.runId).toMatch(/^wrun_[0-9A-HJKMNP-TV-Z]{26}$/);
      expect((await world.runs.get(result.run!.runId)).runId).toBe(result.run!.runId);
    },
  },
  {
    name: 'runs.get returns what run_created stored; resolveData none drops input and output',
    async run(t) {
      const world = await t.world();
      const input = payload();
      const runId = newRunId();
      const created = await append(world, runId, ev.runCreated({ input }));
      const read = await world.runs.get(runId);
      expect(read).toEqual(created.run);
      const bare = await world.runs.get(runId, { resolveData: 'none' });
      expect(bare.input).toBeUndefined();
      expect(bare.workflowName).toBe(read.workflowName);
      expect(bare.specVersion).toBe(3);
    },
  },
  {
    name: 'runs.get of a missing run throws WorkflowRunNotFoundError',
    async run(t) {
      await expectRejects('runs.get(missing)', (await t.world()).runs.get(newRunId()), {
        name: 'WorkflowRunNotFoundError',
      });
    },
  },
  {
    name: 'a failed run keeps its error with resolveData none',
    async run(t) {
      const world = await t.world();
      const runId = await createRun(world);
      await append(world, runId, ev.runFailed('it broke', 'USER_ERROR'));
      const run = await world.runs.get(runId, { resolveData: 'none' });
      expect(run.status).toBe('failed');
      expect(run.error?.message).toBe('it broke');
      expect(run.error?.code).toBe('USER_ERROR');
      expect(run.error?.stack).toContain('it broke');
      expectDate(run.completedAt, undefined, 'run.completedAt');
    },
  },
  {
    name: 'Uint8Array payloads round-trip byte-exactly in every field',
    async run(t) {
      const world = await t.world();
      const bytes = allBytes();
      const empty = new Uint8Array(0);
      const runId = newRunId();
      await append(world, runId, ev.runCreated({ input: bytes }));
      await append(world, runId, ev.runStarted());
      const stepId = newStepId();
      await append(world, runId, ev.stepCreated(stepId, bytes));
      await append(world, runId, ev.stepStarted(stepId));
      await append(world, runId, ev.stepCompleted(stepId, empty));
      const hookId = newHookId();
      const token = newToken();
      await append(world, runId, ev.hookCreated(hookId, token, { metadata: bytes }));
      await append(world, runId, ev.hookReceived(hookId, token, bytes));
      await append(world, runId, ev.runCompleted(bytes));

      expectBytes((await world.runs.get(runId)).input, bytes, 'run.input');
      expectBytes((await world.runs.get(runId)).output, bytes, 'run.output');
      const step = await world.steps.get(runId, stepId);
      expectBytes(step.input, bytes, 'step.input');
      expectBytes(step.output, empty, 'step.output (empty)');
      const events = await allEvents(world, runId);
      const data = (type: string) => dataOf(events.find((event) => event.eventType === type))!;
      expectBytes(data('run_created').input, bytes, 'run_created.eventData.input');
      expectBytes(data('step_created').input, bytes, 'step_created.eventData.input');
      expectBytes(data('step_completed').result, empty, 'step_completed.eventData.result');
      expectBytes(data('hook_created').metadata, bytes, 'hook_created.eventData.metadata');
      expectBytes(data('hook_received').payload, bytes, 'hook_received.eventData.payload');
      expectBytes(data('run_completed').output, bytes, 'run_completed.eventData.output');
    },
  },
  {
    name: 'hook metadata round-trips byte-exactly through hooks.get and getByToken',
    async run(t) {
      const world = await t.world();
      const metadata = allBytes();
      const { hookId, token } = await createRunWithHook(world, { metadata });
      expectBytes((await world.hooks.get(hookId)).metadata, metadata, 'hooks.get metadata');
      expectBytes((await world.hooks.getByToken(token)).metadata, metadata, 'getByToken metadata');
    },
  },
  {
    name: 'dates come back as Date objects, millisecond-exact',
    async run(t) {
      const world = await t.world();
      const runId = await createRun(world);
      const resumeAt = new Date(Date.now() + 3_600_123);
      const retryAfter = new Date(Date.now() - 1_234_567);
      const waitId = newWaitId();
      await append(world, runId, ev.waitCreated(waitId, resumeAt));
      const stepId = newStepId();
      await append(world, runId, ev.stepCreated(stepId));
      await append(world, runId, ev.stepStarted(stepId));
      await append(world, runId, ev.stepRetrying(stepId, retryAfter));
      await append(world, runId, ev.waitCompleted(waitId, resumeAt));
      const events = await allEvents(world, runId);
      for (const event of events)
        expectDate(event.createdAt, undefined, `${event.eventType}.createdAt`);
      const data = (type: string) => dataOf(events.find((event) => event.eventType === type))!;
      expectDate(
        data('wait_created').resumeAt,
        resumeAt.getTime(),
        'wait_created.eventData.resumeAt',
      );
      expectDate(
        data('wait_completed').resumeAt,
        resumeAt.getTime(),
        'wait_completed.eventData.resumeAt',
      );
      expectDate(
        data('step_retrying').retryAfter,
        retryAfter.getTime(),
        'step_retrying.eventData.retryAfter',
      );
      const step = await world.steps.get(runId, stepId);
      expectDate(step.retryAfter, retryAfter.getTime(), 'step.retryAfter');
      expectDate(step.startedAt, undefined, 'step.startedAt');
      const run = await world.runs.get(runId);
      expectDate(run.startedAt, undefined, 'run.startedAt');
    },
  },
  {
    name: 'createdAt and startedAt never change across reads and later writes',
    async run(t) {
      const world = await t.world();
      const { runId, stepId } = await createRunWithStep(world, 'running');
      const run1 = await world.runs.get(runId);
      const step1 = await world.steps.get(runId, stepId);
      const events1 = await allEvents(world, runId);
      await append(world, runId, ev.stepRetrying(stepId));
      await append(world, runId, ev.stepStarted(stepId));
      await append(world, runId, ev.runStarted());
      const run2 = await world.runs.get(runId);
      const step2 = await world.steps.get(runId, stepId);
      const events2 = await allEvents(world, runId);
      expect(run2.createdAt.getTime()).toBe(run1.createdAt.getTime());
      expect(run2.startedAt?.getTime(), 'run.startedAt changed').toBe(run1.startedAt?.getTime());
      expect(step2.createdAt.getTime()).toBe(step1.createdAt.getTime());
      expect(step2.startedAt?.getTime(), 'step.startedAt changed on a restart').toBe(
        step1.startedAt?.getTime(),
      );
      expect(step2.attempt).toBe(2);
      expect(events2.slice(0, events1.length).map((e) => e.createdAt.getTime())).toEqual(
        events1.map((e) => e.createdAt.getTime()),
      );
    },
  },
  {
    name: 'event ids are ULIDs after the last "_" whose time is the createdAt',
    async run(t) {
      const world = await t.world();
      const { runId } = await busyRun(world);
      for (const event of await allEvents(world, runId)) {
        const time = idTime(event.eventId);
        expect(time, `${event.eventId} carries no ULID time`).toBeTypeOf('number');
        expect(Math.abs(time! - event.createdAt.getTime()), 'id time vs createdAt').toBeLessThan(
          1000,
        );
      }
    },
  },
  {
    name: 'specVersion, executionContext and isWebhook are persisted',
    async run(t) {
      const world = await t.world();
      const runId = newRunId();
      const executionContext = { workflowCoreVersion: '4.8.9', nested: { list: [1, 'two', true] } };
      await append(world, runId, ev.runCreated({ executionContext }));
      const run = await world.runs.get(runId);
      expect(run.specVersion).toBe(3);
      expect(run.executionContext).toEqual(executionContext);
      const webhook = newHookId();
      const plain = newHookId();
      await append(world, runId, ev.hookCreated(webhook, newToken(), { isWebhook: true }));
      await append(world, runId, ev.hookCreated(plain, newToken(), { isWebhook: false }));
      const hooks = await world.hooks.list({ runId });
      const byId = new Map(hooks.data.map((hook) => [hook.hookId, hook]));
      expect(byId.get(webhook)?.isWebhook).toBe(true);
      expect(byId.get(plain)?.isWebhook, 'isWebhook false must not read back as true').toBe(false);
      expect(byId.get(plain)?.specVersion).toBe(3);
    },
  },
  {
    name: 'run_started returns the complete log with hasMore false and a usable cursor',
    async run(t) {
      const world = await t.world();
      const runId = newRunId();
      const input = payload();
      await append(world, runId, ev.runCreated({ input }));
      const result = await append(world, runId, ev.runStarted());
      expect(result.run?.status).toBe('running');
      expectDate(result.run?.startedAt, undefined, 'run.startedAt');
      expect(result.events?.map((e) => e.eventType)).toEqual(['run_created', 'run_started']);
      expect(result.hasMore).toBe(false);
      expectBytes(
        dataOf(result.events?.[0])?.input,
        input,
        'preloaded run_created input (resolved)',
      );
      expect(result.cursor, 'the preload must carry a cursor to continue events.list').toBeTruthy();
      const none = await world.events.list({ runId, pagination: { cursor: result.cursor! } });
      expect(none.data).toEqual([]);
      const stepId = newStepId();
      await append(world, runId, ev.stepCreated(stepId));
      const after = await world.events.list({ runId, pagination: { cursor: result.cursor! } });
      expect(after.data.map((e) => e.eventType)).toEqual(['step_created']);
    },
  },
  {
    name: 'run_started preload is complete on a run with a long log',
    async run(t) {
      const world = await t.world();
      const runId = await createRun(world, { started: false });
      for (let i = 0; i < 40; i++) await append(world, runId, ev.stepCreated(newStepId()));
      const result = await append(world, runId, ev.runStarted());
      const log = await allEvents(world, runId);
      expect(
        result.hasMore === true || result.events?.length === log.length,
        'partial preload without hasMore',
      ).toBe(true);
      if (result.hasMore !== true) {
        expect(result.events?.map((e) => e.eventId)).toEqual(log.map((e) => e.eventId));
      }
    },
  },
  {
    name: 'events.get returns one event; a missing one is a 404 WorkflowWorldError',
    async run(t) {
      const world = await t.world();
      const { runId } = await busyRun(world);
      const events = await allEvents(world, runId);
      const target = events[3]!;
      expect(await world.events.get(runId, target.eventId)).toEqual(target);
      await expectRejects(
        'events.get(missing)',
        world.events.get(runId, 'evnt_01ARZ3NDEKTSV4RRFFQ69G5FAV'),
        {
          name: 'WorkflowWorldError',
          status: 404,
        },
      );
    },
  },
  {
    name: 'resolveData none strips exactly the payload fields of each event type',
    async run(t) {
      const world = await t.world();
      const { runId } = await busyRun(world);
      await append(world, runId, ev.runFailed());
      const full = await allEvents(world, runId);
      const bare = (await world.events.list({ runId, resolveData: 'none' })).data;
      expect(bare.map((e) => e.eventId)).toEqual(full.map((e) => e.eventId));
      const stripped: Record<string, string[]> = {
        run_created: ['input'],
        step_created: ['input'],
        step_completed: ['result'],
        hook_created: ['metadata'],
        hook_received: ['payload'],
        run_failed: ['error'],
      };
      for (const [index, event] of bare.entries()) {
        const original = dataOf(full[index]);
        const data = (event as { eventData?: Record<string, unknown> }).eventData;
        const expected = { ...original };
        for (const field of stripped[event.eventType] ?? []) delete expected[field];
        if (Object.keys(expected).length === 0) expect(data ?? {}, event.eventType).toEqual({});
        else expect(data, `${event.eventType} with resolveData none`).toEqual(expected);
      }
      const stepEvent = bare.find((e) => e.eventType === 'step_created');
      expect((stepEvent as { eventData?: { stepName?: string } }).eventData?.stepName).toBeTruthy();
      const wait = bare.find((e) => e.eventType === 'wait_created');
      expectDate(
        (wait as { eventData?: { resumeAt?: unknown } }).eventData?.resumeAt,
        undefined,
        'resumeAt kept',
      );
    },
  },
  {
    name: 'events.list pages in both orders with limit honoured and no event missed or repeated',
    async run(t) {
      const world = await t.world();
      const { runId } = await busyRun(world);
      for (let i = 0; i < 15; i++) await append(world, runId, ev.stepCreated(newStepId()));
      const log = await allEvents(world, runId);
      const ids = log.map((e) => e.eventId);
      for (const limit of [1, 4, 7]) {
        const asc = await pageThrough(world, runId, limit, 'asc');
        expect(
          asc.seen.map((e) => e.eventId),
          `asc, limit ${limit}`,
        ).toEqual(ids);
        const desc = await pageThrough(world, runId, limit, 'desc');
        expect(
          desc.seen.map((e) => e.eventId),
          `desc, limit ${limit}`,
        ).toEqual([...ids].reverse());
      }
    },
  },
  {
    name: 'events.list defaults to ascending order',
    async run(t) {
      const world = await t.world();
      const { runId } = await busyRun(world);
      const page = await world.events.list({ runId });
      expect(page.data[0]?.eventType).toBe('run_created');
      expect(page.data.map((e) => e.eventId)).toEqual([...page.data.map((e) => e.eventId)].sort());
    },
  },
  {
    name: 'events appended in one millisecond keep a strict order and page without loss',
    async run(t) {
      const world = await t.world();
      const runId = await createRun(world);
      const steps = Array.from({ length: 30 }, () => newStepId());
      for (const stepId of steps) await append(world, runId, ev.stepCreated(stepId));
      const log = await allEvents(world, runId);
      const ids = log.map((e) => e.eventId);
      expect(new Set(ids).size, 'duplicate event ids').toBe(ids.length);
      expect(
        log.slice(2).map((e) => e.correlationId),
        'log order is append order',
      ).toEqual(steps);
      const { seen } = await pageThrough(world, runId, 3, 'asc');
      expect(seen.map((e) => e.eventId)).toEqual(ids);
    },
  },
  {
    name: 'the final page still returns a cursor that later yields only newer events',
    async run(t) {
      const world = await t.world();
      const runId = await createRun(world);
      const { lastCursor } = await pageThrough(world, runId, 10, 'asc');
      expect(
        lastCursor,
        'the final page of events.list must return a non-null cursor',
      ).toBeTruthy();
      const stepId = newStepId();
      await append(world, runId, ev.stepCreated(stepId));
      await append(world, runId, ev.stepStarted(stepId));
      const later = await world.events.list({ runId, pagination: { cursor: lastCursor! } });
      expect(later.data.map((e) => e.eventType)).toEqual(['step_created', 'step_started']);
      expect(later.cursor).toBe(later.data[1]?.eventId ?? later.cursor);
      const again = await world.events.list({ runId, pagination: { cursor: lastCursor! } });
      expect(
        again.data.map((e) => e.eventId),
        'a cursor stays valid',
      ).toEqual(later.data.map((e) => e.eventId));
    },
  },
  {
    name: 'an unknown events.list cursor is a status-400 WorkflowWorldError',
    async run(t) {
      const world = await t.world();
      const runId = await createRun(world);
      await expectRejects(
        'events.list(unknown cursor)',
        world.events.list({ runId, pagination: { cursor: 'not-a-cursor-we-issued' } }),
        { name: 'WorkflowWorldError', status: 400 },
      );
    },
  },
  {
    name: 'events.list of a missing run is empty or WorkflowRunNotFoundError',
    async run(t) {
      const world = await t.world();
      try {
        const page = await world.events.list({ runId: newRunId() });
        expect(page.data).toEqual([]);
        expect(page.hasMore).toBe(false);
      } catch (error) {
        expect((error as Error).name).toBe('WorkflowRunNotFoundError');
      }
    },
  },
  {
    name: 'listByCorrelationId scopes to a run with runId and spans runs without it',
    async run(t) {
      const world = await t.world();
      const stepId = newStepId();
      const runA = await createRun(world);
      const runB = await createRun(world);
      await append(world, runA, ev.stepCreated(stepId));
      await append(world, runB, ev.stepCreated(stepId));
      await append(world, runA, ev.stepStarted(stepId));
      const scoped = await world.events.listByCorrelationId({ correlationId: stepId, runId: runA });
      expect(scoped.data.map((e) => [e.runId, e.eventType])).toEqual([
        [runA, 'step_created'],
        [runA, 'step_started'],
      ]);
      const all = await collect((cursor) =>
        world.events.listByCorrelationId({
          correlationId: stepId,
          pagination: { limit: 1, ...(cursor === undefined ? {} : { cursor }) },
        }),
      );
      expect(all.map((e) => `${e.runId}:${e.eventType}`).sort()).toEqual(
        [`${runA}:step_created`, `${runA}:step_started`, `${runB}:step_created`].sort(),
      );
      const bare = await world.events.listByCorrelationId({
        correlationId: stepId,
        runId: runA,
        resolveData: 'none',
      });
      expect(
        (bare.data[0] as { eventData?: { input?: unknown } }).eventData?.input,
      ).toBeUndefined();
    },
  },
  {
    name: 'runs.list filters by workflowName and status',
    async run(t) {
      const world = await t.world();
      const name = workflowName();
      const pending = await createRun(world, { workflowName: name, started: false });
      const running = await createRun(world, { workflowName: name });
      const done = await createRun(world, { workflowName: name });
      await append(world, done, ev.runCompleted());
      await createRun(world); // another workflow
      const all = await world.runs.list({ workflowName: name });
      expect(all.data.map((r) => r.runId).sort()).toEqual([pending, running, done].sort());
      for (const [status, runId] of [
        ['pending', pending],
        ['running', running],
        ['completed', done],
      ] as const) {
        const page = await world.runs.list({ workflowName: name, status });
        expect(
          page.data.map((r) => r.runId),
          `status ${status}`,
        ).toEqual([runId]);
      }
    },
  },
  {
    name: 'runs.list sorts newest first by default, honours asc, and pages with cursors',
    async run(t) {
      const world = await t.world();
      const name = workflowName();
      const runs = ascendingIds(7, newRunId);
      for (const runId of runs)
        await createRun(world, { workflowName: name, started: false, runId });
      const desc = await collect((cursor) =>
        world.runs.list({
          workflowName: name,
          pagination: { limit: 2, ...(cursor === undefined ? {} : { cursor }) },
        }),
      );
      expect(
        desc.map((r) => r.runId),
        'default order is newest first',
      ).toEqual([...runs].reverse());
      const asc = await collect((cursor) =>
        world.runs.list({
          workflowName: name,
          pagination: { limit: 3, sortOrder: 'asc', ...(cursor === undefined ? {} : { cursor }) },
        }),
      );
      expect(
        asc.map((r) => r.runId),
        'sortOrder asc',
      ).toEqual(runs);
      const bare = await world.runs.list({ workflowName: name, resolveData: 'none' });
      expect(bare.data[0]?.input).toBeUndefined();
    },
  },
  {
    name: 'a runs.list cursor stays valid after new runs are created',
    async run(t) {
      const world = await t.world();
      const name = workflowName();
      const [first, second, third] = ascendingIds(3, newRunId) as [string, string, string];
      await createRun(world, { workflowName: name, started: false, runId: first });
      await createRun(world, { workflowName: name, started: false, runId: second });
      const page = await world.runs.list({
        workflowName: name,
        pagination: { limit: 1, sortOrder: 'asc' },
      });
      expect(page.data.map((r) => r.runId)).toEqual([first]);
      await createRun(world, { workflowName: name, started: false, runId: third });
      const rest = await world.runs.list({
        workflowName: name,
        pagination: { sortOrder: 'asc', cursor: page.cursor! },
      });
      expect(rest.data.map((r) => r.runId)).toEqual([second, third]);
    },
  },
  {
    name: 'steps.get with and without runId; a missing step is a 404 WorkflowWorldError',
    async run(t) {
      const world = await t.world();
      const input = payload();
      const { runId, stepId } = await createRunWithStep(world, 'pending', input);
      const step = await world.steps.get(runId, stepId);
      expect(step).toMatchObject({
        runId,
        stepId,
        status: 'pending',
        attempt: 0,
        stepName: 'step//./conformance//work',
      });
      expectBytes(step.input, input, 'step.input');
      expect(await world.steps.get(undefined, stepId)).toEqual(step);
      const bare = await world.steps.get(runId, stepId, { resolveData: 'none' });
      expect(bare.input).toBeUndefined();
      await expectRejects('steps.get(missing)', world.steps.get(runId, newStepId()), {
        name: 'WorkflowWorldError',
        status: 404,
      });
    },
  },
  {
    name: 'steps.list pages newest first by default and honours asc',
    async run(t) {
      const world = await t.world();
      const runId = await createRun(world);
      const steps = ascendingIds(5, newStepId);
      for (const stepId of steps) await append(world, runId, ev.stepCreated(stepId));
      const desc = await collect((cursor) =>
        world.steps.list({
          runId,
          pagination: { limit: 2, ...(cursor === undefined ? {} : { cursor }) },
        }),
      );
      expect(desc.map((s) => s.stepId)).toEqual([...steps].reverse());
      const asc = await collect((cursor) =>
        world.steps.list({
          runId,
          pagination: { limit: 2, sortOrder: 'asc', ...(cursor === undefined ? {} : { cursor }) },
        }),
      );
      expect(asc.map((s) => s.stepId)).toEqual(steps);
      const bare = await world.steps.list({ runId, resolveData: 'none' });
      expect(bare.data[0]?.input).toBeUndefined();
    },
  },
  {
    name: 'hooks.get, getByToken and hooks.list return the hook; misses throw HookNotFoundError',
    async run(t) {
      const world = await t.world();
      const runId = await createRun(world);
      const hookId = newHookId();
      const token = `order:${uid()}/with spaces & symbols`;
      await append(world, runId, ev.hookCreated(hookId, token, { isWebhook: true }));
      const hook = await world.hooks.getByToken(token);
      expect(hook).toMatchObject({ runId, hookId, token, isWebhook: true, specVersion: 3 });
      for (const field of ['ownerId', 'projectId', 'environment'] as const) {
        expect(typeof hook[field], `hook.${field}`).toBe('string');
      }
      expectDate(hook.createdAt, undefined, 'hook.createdAt');
      expect(await world.hooks.get(hookId)).toEqual(hook);
      const listed = await world.hooks.list({ runId });
      expect(listed.data.map((h) => h.hookId)).toEqual([hookId]);
      await expectRejects('hooks.getByToken(missing)', world.hooks.getByToken(`missing-${uid()}`), {
        name: 'HookNotFoundError',
      });
      await expectRejects('hooks.get(missing)', world.hooks.get(newHookId()), {
        name: 'HookNotFoundError',
      });
    },
  },
  {
    name: 'hooks.list filters by runId, pages in creation order, and drops disposed hooks',
    async run(t) {
      const world = await t.world();
      const runId = await createRun(world);
      const other = await createRun(world);
      const hooks = ascendingIds(5, newHookId).map((hookId) => ({ hookId, token: newToken() }));
      for (const hook of hooks) await append(world, runId, ev.hookCreated(hook.hookId, hook.token));
      await append(world, other, ev.hookCreated(newHookId(), newToken()));
      const listed = await collect((cursor) =>
        world.hooks.list({
          runId,
          pagination: { limit: 2, ...(cursor === undefined ? {} : { cursor }) },
        }),
      );
      expect(listed.map((h) => h.hookId)).toEqual(hooks.map((h) => h.hookId));
      await append(world, runId, ev.hookDisposed(hooks[1]!.hookId, hooks[1]!.token));
      const after = await world.hooks.list({ runId });
      expect(after.data.map((h) => h.hookId)).toEqual(
        hooks.filter((_, i) => i !== 1).map((h) => h.hookId),
      );
      const bare = await world.hooks.list({ runId, resolveData: 'none' });
      expect(bare.data.every((h) => h.metadata === undefined)).toBe(true);
    },
  },
  {
    name: 'step_started returns the full step: input, attempt, startedAt, error',
    async run(t) {
      const world = await t.world();
      const input = payload();
      const { runId, stepId } = await createRunWithStep(world, 'pending', input);
      const first = await append(world, runId, ev.stepStarted(stepId));
      expect(first.step?.status).toBe('running');
      expect(first.step?.attempt).toBe(1);
      expectBytes(first.step?.input, input, 'step_started step.input');
      expectDate(first.step?.startedAt, undefined, 'step.startedAt');
      await append(world, runId, ev.stepRetrying(stepId, undefined, 'flaky'));
      const second = await append(world, runId, ev.stepStarted(stepId));
      expect(second.step?.attempt).toBe(2);
      expect(second.step?.error?.message).toBe('flaky');
      expect(second.step?.startedAt?.getTime()).toBe(first.step?.startedAt?.getTime());
    },
  },
  {
    name: 'reads return copies: mutating a result does not change the store',
    async run(t) {
      const world = await t.world();
      const input = payload('stable');
      const runId = newRunId();
      await append(world, runId, ev.runCreated({ input }));
      input[5] = 0; // the caller reuses its buffer after the write
      const read = await world.runs.get(runId);
      (read.input as Uint8Array)[6] = 0;
      const again = await world.runs.get(runId);
      expectBytes(again.input, payload('stable'), 'run.input after caller mutations');
    },
  },
];
