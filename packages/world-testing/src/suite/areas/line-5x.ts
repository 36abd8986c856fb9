import { type Event, type EventResult, eventSlotOf, slotEventId, toWorld5x } from '@worldkit/world';
import { expect } from 'vitest';
import { expectRejects } from '../assertions.js';
import type { ConformanceCase } from '../context.js';
import { allEvents, append, at, ev, payload, slotRun } from '../fixtures.js';
import { newHookId, newRunId, newStepId, newToken, newWaitId, streamName } from '../names.js';

/** The spec versions whose runs number their events by slot. */
const SLOT_SPEC_VERSIONS = [6, 7] as const;

function later(ms = 60_000): Date {
  return new Date(Date.now() + ms);
}

/** The run's events are slots 1..n, in that order. */
function expectDenseSlots(events: Event[], what: string): void {
  expect(
    events.map((event) => event.eventId),
    what,
  ).toEqual(events.map((_, index) => slotEventId(index + 1)));
}

const slotCases: ConformanceCase[] = SLOT_SPEC_VERSIONS.map((specVersion) => ({
  name: `a run created at spec ${specVersion} numbers its events by slot, dense from 1; refused writes take none`,
  async run(t) {
    const world = await t.world();
    const runId = await slotRun(world, specVersion);
    const stepId = newStepId();
    await append(world, runId, at(specVersion, ev.stepCreated(stepId)));
    await expectRejects(
      'step_completed of a step that does not exist',
      append(world, runId, at(specVersion, ev.stepCompleted(newStepId()))),
      { name: 'WorkflowWorldError', status: 404 },
    );
    await append(world, runId, at(specVersion, ev.stepStarted(stepId)));
    await append(world, runId, at(specVersion, ev.hookCreated(newHookId(), newToken())));
    const wait = await append(world, runId, at(specVersion, ev.waitCreated(newWaitId(), later())));
    expect(wait.event?.eventId).toBe(slotEventId(6));
    expect(wait.event?.createdAt).toBeInstanceOf(Date);
    const events = await allEvents(world, runId);
    expectDenseSlots(events, 'run_created, run_started, step_created, step_started, hook, wait');
    expect((await world.events.get(runId, slotEventId(3))).eventType).toBe('step_created');
    expect((await world.runs.get(runId)).specVersion).toBe(specVersion);
  },
}));

export const line5xCases: ConformanceCase[] = [
  ...slotCases,
  {
    name: 'each run keeps its scheme: a spec 3 run keeps ULID event ids beside a spec 7 run',
    async run(t) {
      const world = await t.world();
      const ulidRun = newRunId();
      await append(world, ulidRun, ev.runCreated());
      const slotted = await slotRun(world, 7);
      await append(world, ulidRun, ev.runStarted());
      await append(world, slotted, at(7, ev.stepCreated(newStepId())));
      const ulidIds = (await allEvents(world, ulidRun)).map((event) => event.eventId);
      expect(ulidIds.map(eventSlotOf), 'a spec 3 run has no slot ids').toEqual([
        undefined,
        undefined,
      ]);
      expectDenseSlots(await allEvents(world, slotted), 'the spec 7 run');
    },
  },
  {
    name: 'the resilient start and the lazy step start take consecutive slots',
    async run(t) {
      const world = await t.world();
      const runId = newRunId();
      const started = await append(world, runId, at(7, ev.runStarted({})));
      expect(started.events?.map((event) => event.eventId)).toEqual([
        slotEventId(1),
        slotEventId(2),
      ]);
      const lazy = await append(world, runId, at(7, ev.stepStartedLazily(newStepId())));
      expect(lazy.event?.eventId).toBe(slotEventId(4));
      expectDenseSlots(await allEvents(world, runId), 'bootstrap, then a lazy start');
    },
  },
  {
    name: 'writers racing on one run each land on a slot of their own, and the slots stay dense',
    async run(t) {
      const world = await t.world();
      const runId = await slotRun(world);
      const results = await Promise.all(
        Array.from({ length: 12 }, () =>
          append(world, runId, at(7, ev.waitCreated(newWaitId(), later()))),
        ),
      );
      const slots = results.map((result) => eventSlotOf(result.event!.eventId)!);
      expect(new Set(slots).size, 'no slot is handed out twice').toBe(12);
      expectDenseSlots(await allEvents(world, runId), 'after the race');
    },
  },
  {
    name: 'bump and report: a stale eventCount lands on the next free slot and returns what it skipped',
    async run(t) {
      const world = toWorld5x(await t.world(), { specVersion: 7 });
      const runId = await slotRun(world);
      const snapshot = 2;
      const stepId = newStepId();
      await append(world, runId, at(7, ev.stepCreated(stepId)));
      await append(world, runId, at(7, ev.stepStarted(stepId)));
      const stale = await world.events.create(
        runId,
        at(7, ev.waitCreated(newWaitId(), later())) as never,
        { eventCount: snapshot } as never,
      );
      expect(stale.event?.eventId, 'the write is not refused').toBe(slotEventId(5));
      expect(stale.events?.map((event) => [event.eventId, event.eventType])).toEqual([
        [slotEventId(3), 'step_created'],
        [slotEventId(4), 'step_started'],
      ]);
      const current = await world.events.create(
        runId,
        at(7, ev.waitCreated(newWaitId(), later())) as never,
        { eventCount: 5 } as never,
      );
      expect(current.event?.eventId).toBe(slotEventId(6));
      expect(current.events, 'a current snapshot skips nothing').toBeUndefined();
    },
  },
  {
    name: 'bump and report under a race: each writer is told exactly the slots between its snapshot and its event',
    async run(t) {
      const world = toWorld5x(await t.world(), { specVersion: 7 });
      const runId = await slotRun(world);
      const snapshot = 2;
      const results: EventResult[] = await Promise.all(
        Array.from({ length: 8 }, () =>
          world.events.create(
            runId,
            at(7, ev.waitCreated(newWaitId(), later())) as never,
            {
              eventCount: snapshot,
            } as never,
          ),
        ),
      );
      const log = await allEvents(world, runId);
      for (const result of results) {
        const slot = eventSlotOf(result.event!.eventId)!;
        const between = log.slice(snapshot, slot - 1).map((event) => event.eventId);
        expect(result.events?.map((event) => event.eventId) ?? [], `slot ${slot}`).toEqual(between);
      }
    },
  },
  {
    name: 'runs.waitForTerminalStatus answers once the run ends, and with the run as it is when the budget runs out',
    async run(t) {
      const world = toWorld5x(await t.world(), { specVersion: 7 });
      const runId = await slotRun(world, 7);
      const unfinished = await world.runs.waitForTerminalStatus(runId, { timeoutMs: 50 });
      expect(unfinished.status, 'a run still going is a normal answer at the budget').toBe(
        'running',
      );
      const waiting = world.runs.waitForTerminalStatus(runId, { timeoutMs: 60_000 });
      await append(world, runId, at(7, ev.runCompleted()));
      const ended = await waiting;
      expect(ended.status).toBe('completed');
      expect(ended.output, 'the run as `runs.get` returns it').toEqual(
        (await world.runs.get(runId)).output,
      );
      await expectRejects(
        'waitForTerminalStatus of a run that does not exist',
        world.runs.waitForTerminalStatus(newRunId(), { timeoutMs: 50 }),
        { name: 'WorkflowRunNotFoundError' },
      );
    },
  },
  {
    name: 'an error the 5.x runtime sends serialized comes back as its bytes, with errorCode',
    async run(t) {
      const base = await t.world();
      const world = toWorld5x(base, { specVersion: 7 });
      const runId = await slotRun(world);
      const stepId = newStepId();
      const stepError = payload('serialized step error');
      await append(world, runId, at(7, ev.stepCreated(stepId)));
      await append(world, runId, at(7, ev.stepStarted(stepId)));
      await append(world, runId, at(7, ev.stepFailed(stepId, stepError as never)));
      const runError = payload('serialized run error');
      const failed = await world.events.create(
        runId,
        at(7, {
          eventType: 'run_failed',
          eventData: { error: runError, errorCode: 'USER_ERROR' },
        }) as never,
      );
      const bytesOf = (value: unknown) => Buffer.from(value as Uint8Array).toString('hex');
      for (const run of [failed.run, await world.runs.get(runId)]) {
        expect(bytesOf(run?.error)).toBe(bytesOf(runError));
        expect((run as { errorCode?: string }).errorCode).toBe('USER_ERROR');
      }
      const listed = await world.runs.list({ pagination: { limit: 100 } });
      expect(bytesOf(listed.data.find((run) => run.runId === runId)?.error)).toBe(
        bytesOf(runError),
      );
      expect(bytesOf((await world.steps.get(runId, stepId)).error)).toBe(bytesOf(stepError));
      const fourX = await base.runs.get(runId);
      expect(fourX.error, '4.x readers see a structured error').toMatchObject({
        message: expect.any(String),
        code: 'USER_ERROR',
      });
    },
  },
  {
    name: 'run_cancelled keeps the cancelReason it carries, and refuses one over 512 characters',
    async run(t) {
      const world = toWorld5x(await t.world(), { specVersion: 7 });
      const reason = 'Cancelled via Workflow CLI';
      const runId = await slotRun(world);
      await expectRejects(
        'a cancelReason over 512 characters',
        world.events.create(
          runId,
          at(7, {
            eventType: 'run_cancelled',
            eventData: { cancelReason: 'x'.repeat(513) },
          }) as never,
        ),
        {
          name: 'WorkflowWorldError',
          status: 400,
          code: 'INVALID_INPUT',
          field: 'eventData.cancelReason',
        },
      );
      const cancelled = await world.events.create(
        runId,
        at(7, { eventType: 'run_cancelled', eventData: { cancelReason: reason } }) as never,
      );
      expect(cancelled.run?.status).toBe('cancelled');
      const [last] = (await allEvents(world, runId)).slice(-1);
      expect(last?.eventType).toBe('run_cancelled');
      expect(last?.eventId, 'the refused cancel took no slot').toBe(slotEventId(3));
      expect((last as { eventData?: unknown }).eventData).toEqual({ cancelReason: reason });
    },
  },
  {
    name: 'runs.cancelMany tells each run apart: cancelled, not cancellable, already cancelled, not found',
    async run(t) {
      const base = await t.world();
      const world = toWorld5x(base, { specVersion: 7 });
      const running = await slotRun(world);
      const completed = await slotRun(world);
      await append(world, completed, at(7, ev.runCompleted()));
      const cancelled = await slotRun(world);
      await append(world, cancelled, at(7, ev.runCancelled()));
      const fourX = newRunId();
      await append(world, fourX, ev.runCreated());
      const missing = newRunId();
      const cancelReason = 'Cancelled via Workflow CLI';

      await expectRejects(
        'a request naming one run twice',
        world.runs.cancelMany({ runIds: [running, running] }),
        { name: 'WorkflowWorldError', status: 400, code: 'INVALID_INPUT', field: 'runIds' },
      );
      expect((await world.runs.get(running)).status, 'a refused request writes nothing').toBe(
        'running',
      );

      const { summary, results } = await world.runs.cancelMany({
        runIds: [running, completed, cancelled, missing, fourX],
        cancelReason,
      });
      expect(results).toEqual([
        { runId: running, outcome: 'cancelled' },
        { runId: completed, outcome: 'not_cancellable', status: 'completed' },
        { runId: cancelled, outcome: 'already_cancelled' },
        { runId: missing, outcome: 'not_found' },
        { runId: fourX, outcome: 'cancelled' },
      ]);
      expect(summary).toEqual({
        requested: 5,
        cancelled: 2,
        alreadyCancelled: 1,
        notCancellable: 1,
        notFound: 1,
        failed: 0,
      });
      for (const [runId, specVersion] of [
        [running, 7],
        [fourX, 3],
      ] as const) {
        expect((await world.runs.get(runId)).status).toBe('cancelled');
        const last = (await allEvents(world, runId)).at(-1) as Event & { eventData?: unknown };
        expect(last).toMatchObject({ eventType: 'run_cancelled', specVersion });
        expect(last.eventData).toEqual({ cancelReason });
      }
      expect((await allEvents(world, running)).at(-1)?.eventId).toBe(slotEventId(3));
      expect(eventSlotOf((await allEvents(world, fourX)).at(-1)!.eventId), 'a 4.x run').toBe(
        undefined,
      );
    },
  },
  {
    name: 'the streams namespace writes and reads the streams of the 4.x members',
    async run(t) {
      const base = await t.world();
      const world = toWorld5x(base, { specVersion: 7 });
      const runId = await slotRun(world);
      const name = streamName();
      const chunk = payload('five-x');
      await world.streams.write(runId, name, chunk);
      await world.streams.writeMulti?.(runId, name, [payload('one'), payload('two')]);
      await world.streams.close(runId, name);
      expect(await world.streams.list(runId)).toEqual([name]);
      const info = await world.streams.getInfo(runId, name);
      expect(info.done).toBe(true);
      const page = await world.streams.getChunks(runId, name, { limit: 10 });
      expect(page.data, 'one chunk, then the two of writeMulti if the World has it').toHaveLength(
        world.streams.writeMulti === undefined ? 1 : 3,
      );
      expect(Buffer.from(page.data[0]!.data).equals(Buffer.from(chunk))).toBe(true);
      const through4x = await base.getStreamChunks(name, runId, { limit: 10 });
      expect(through4x.data.map((c) => Buffer.from(c.data).toString('hex'))).toEqual(
        page.data.map((c) => Buffer.from(c.data).toString('hex')),
      );
    },
  },
];
