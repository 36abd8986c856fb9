import {
  type BatchEventItemResult,
  type Event,
  eventSlotOf,
  slotEventId,
  type World,
} from '@worldkit/world';
import { expect } from 'vitest';
import { expectInvalid } from '../assertions.js';
import type { ConformanceCase } from '../context.js';
import { allEvents, append, at, createRun, ev, payload, slotRun } from '../fixtures.js';
import { newHookId, newStepId, newToken, newWaitId } from '../names.js';

type Applied = Extract<BatchEventItemResult, { status: 200 }>;

/** `events.createBatch` of a World that declares `batchWrites`, with events at spec 7. */
function batch(world: World, runId: string, events: object[], params?: object) {
  return world.events.createBatch!(
    runId,
    events.map((event) => ({ event: at(7, event) })),
    params,
  );
}

function applied(item: BatchEventItemResult | undefined, what: string): Applied {
  expect(item?.status, `${what}: ${JSON.stringify(item)}`).toBe(200);
  return item as Applied;
}

function slotsOf(events: Event[]): number[] {
  return events.map((event) => eventSlotOf(event.eventId)!);
}

function later(ms = 60_000): Date {
  return new Date(Date.now() + ms);
}

const requires: ConformanceCase['requires'] = ['batchWrites'];

export const batchCases: ConformanceCase[] = [
  {
    name: 'a batch lands its events at consecutive slots in request order, each answered as its own create',
    requires,
    async run(t) {
      const world = await t.world();
      const runId = await slotRun(world);
      const [stepA, stepB, waitId] = [newStepId(), newStepId(), newWaitId()];
      const input = payload('step a input');
      const { results } = await batch(world, runId, [
        ev.stepCreated(stepA, input),
        ev.stepCreated(stepB),
        ev.waitCreated(waitId, later()),
      ]);
      expect(results).toHaveLength(3);
      const [a, b, wait] = results.map((item, index) => applied(item, `event ${index}`));
      expect([a!, b!, wait!].map((item) => item.event.eventId)).toEqual([3, 4, 5].map(slotEventId));
      expect(a!.step).toMatchObject({ stepId: stepA, status: 'pending', input });
      expect(b!.step?.stepId).toBe(stepB);
      expect(wait!.wait?.status).toBe('waiting');
      const events = await allEvents(world, runId);
      expect(slotsOf(events)).toEqual([1, 2, 3, 4, 5]);
      expect(events.slice(2).map((event) => event.eventType)).toEqual([
        'step_created',
        'step_created',
        'wait_created',
      ]);
      expect((await world.steps.get(runId, stepA)).input).toEqual(input);
    },
  },
  {
    name: 'a step_created directly followed by its step_started creates the step running; the pair again is refused, both halves',
    requires,
    async run(t) {
      const world = await t.world();
      const runId = await slotRun(world);
      const stepId = newStepId();
      const input = payload('pair input');
      const pair = [ev.stepCreated(stepId, input), ev.stepStarted(stepId)];
      const { results } = await batch(world, runId, pair);
      const [created, started] = results.map((item, index) => applied(item, `half ${index}`));
      expect(created!.event).toMatchObject({
        eventId: slotEventId(3),
        eventType: 'step_created',
        correlationId: stepId,
      });
      expect(started!.event).toMatchObject({ eventId: slotEventId(4), eventType: 'step_started' });
      expect(started!.step).toMatchObject({ stepId, status: 'running', attempt: 1, input });
      const stored = await allEvents(world, runId);
      expect(stored[2], 'the step_created returned is the one stored').toEqual(created!.event);

      const again = await batch(world, runId, pair);
      expect(
        again.results.map((item) => item.status),
        'the step exists: the pair is its create-claim, refused whole',
      ).toEqual([409, 409]);
      expect(await allEvents(world, runId)).toHaveLength(stored.length);
      expect((await world.steps.get(runId, stepId)).attempt).toBe(1);
    },
  },
  {
    name: 'a refused event writes nothing and the others still commit, dense',
    requires,
    async run(t) {
      const world = await t.world();
      const runId = await slotRun(world);
      const stepId = newStepId();
      const { results } = await batch(world, runId, [
        ev.stepCompleted(newStepId()),
        ev.stepCreated(stepId),
        ev.hookReceived(newHookId(), newToken()),
      ]);
      expect(results.map((item) => item.status)).toEqual([404, 200, 404]);
      expect((results[0] as { error: string }).error).toBeTruthy();
      expect(applied(results[1], 'the step').event.eventId).toBe(slotEventId(3));
      expect(slotsOf(await allEvents(world, runId))).toEqual([1, 2, 3]);
    },
  },
  {
    name: 'a batch that ends the run refuses what follows the end, and releases the run',
    requires,
    async run(t) {
      const world = await t.world();
      const runId = await slotRun(world);
      const waitId = newWaitId();
      await append(world, runId, at(7, ev.waitCreated(waitId, later())));
      const { results } = await batch(world, runId, [
        ev.runCompleted(),
        ev.stepCreated(newStepId()),
      ]);
      expect(applied(results[0], 'run_completed').run?.status).toBe('completed');
      expect(results[1]!.status, 'a step of an ended run').toBeGreaterThanOrEqual(400);
      const events = await allEvents(world, runId);
      expect(events.at(-1)?.eventType).toBe('run_completed');
      expect(slotsOf(events)).toEqual([1, 2, 3, 4]);
      expect((await world.runs.get(runId)).status).toBe('completed');
    },
  },
  {
    name: 'a batch the contract keeps to single writes is refused whole as invalid input, nothing written',
    requires,
    async run(t) {
      const world = await t.world();
      const runId = await slotRun(world);
      const stepId = newStepId();
      const refusals: Array<[string, object[], string]> = [
        [
          'run_cancelled',
          [ev.stepCreated(newStepId()), ev.runCancelled()],
          'events[1].event.eventType',
        ],
        ['hook_created', [ev.hookCreated(newHookId(), newToken())], 'events[0].event.eventType'],
        [
          'two events about one step that are not its create and start',
          [ev.stepCreated(stepId), ev.stepCompleted(stepId)],
          'events[1].event.eventType',
        ],
        [
          'a step_started carrying input',
          [ev.stepStartedLazily(newStepId())],
          'events[0].event.eventData.input',
        ],
        [
          'a malformed event after a valid one',
          [ev.stepCreated(newStepId()), { eventType: 'step_created', correlationId: stepId }],
          'events[1].event.eventData',
        ],
      ];
      for (const [what, events, field] of refusals) {
        await expectInvalid(what, batch(world, runId, events), field);
      }
      expect(slotsOf(await allEvents(world, runId)), 'nothing written').toEqual([1, 2]);
    },
  },
  {
    name: 'batches racing single writes on one run each keep their slots consecutive, the log dense',
    requires,
    async run(t) {
      const world = await t.world();
      const runId = await slotRun(world);
      const batches = Array.from({ length: 4 }, () =>
        batch(world, runId, [
          ev.stepCreated(newStepId()),
          ev.stepCreated(newStepId()),
          ev.waitCreated(newWaitId(), later()),
        ]),
      );
      const singles = Array.from({ length: 8 }, () =>
        append(world, runId, at(7, ev.stepCreated(newStepId()))),
      );
      const [written] = await Promise.all([Promise.all(batches), Promise.all(singles)]);
      for (const { results } of written) {
        const slots = results.map((item) => eventSlotOf(applied(item, 'raced').event.eventId)!);
        expect(slots, 'one batch, one run of slots').toEqual([
          slots[0]!,
          slots[0]! + 1,
          slots[0]! + 2,
        ]);
      }
      expect(slotsOf(await allEvents(world, runId))).toEqual(
        Array.from({ length: 2 + 4 * 3 + 8 }, (_, index) => index + 1),
      );
    },
  },
  {
    name: 'on a run numbered by ULID a pair answers with the step_created it stored',
    requires,
    async run(t) {
      const world = await t.world();
      const runId = await createRun(world);
      const stepId = newStepId();
      const { results } = await world.events.createBatch!(runId, [
        { event: ev.stepCreated(stepId) },
        { event: ev.stepStarted(stepId) },
      ]);
      const [created, started] = results.map((item, index) => applied(item, `half ${index}`));
      const stored = (await allEvents(world, runId)).slice(-2);
      expect(stored).toEqual([created!.event, started!.event]);
      expect(eventSlotOf(created!.event.eventId), 'a ULID run keeps ULIDs').toBeUndefined();
    },
  },
  {
    name: "resolveData 'none' leaves payloads out of the batch's events and entities",
    requires,
    async run(t) {
      const world = await t.world();
      const runId = await slotRun(world);
      const stepId = newStepId();
      const { results } = await batch(
        world,
        runId,
        [ev.stepCreated(stepId, payload('hidden')), ev.stepStarted(stepId)],
        { resolveData: 'none' },
      );
      for (const [index, item] of results.entries()) {
        const { event, step } = applied(item, `half ${index}`);
        expect((event as { eventData?: { input?: unknown } }).eventData?.input).toBeUndefined();
        expect((step as { input?: unknown } | undefined)?.input).toBeUndefined();
      }
    },
  },
];
