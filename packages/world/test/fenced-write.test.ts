import { describe, expect, it } from 'vitest';
import {
  type AnyEventRequest,
  type CreateEventFencedOptions,
  createEventFenced,
  EntityConflictError,
  type Event,
  type EventResult,
  type EventsAfter,
  FenceConflictError,
  type FenceParams,
  FenceRetriesExhaustedError,
  type FenceTail,
  idTime,
  listEventsAfter,
  nextEventId,
  PreconditionFailedError,
} from '../src/index.js';
import { RUN, type Store, startedRun, stepCreated } from './state-machine/harness.js';

const T0 = Date.UTC(2026, 0, 1, 12);
let previousId: string | undefined;

/** An event of the run, with an id after every one made before it. */
function event(eventType: Event['eventType'], correlationId?: string): Event {
  previousId = nextEventId(previousId, T0, () => 0.5);
  return {
    runId: RUN,
    eventId: previousId,
    eventType,
    createdAt: new Date(idTime(previousId)!),
    ...(correlationId === undefined ? {} : { correlationId }),
  } as Event;
}

const loaded = event('run_started');
const TAIL: FenceTail = { lastEventId: loaded.eventId, cursor: 'cursor-0' };
const REQUEST = { eventType: 'wait_created', correlationId: 'wait_01' };

const fenceConflict = (actual = 'evnt_newer') => new FenceConflictError(RUN, 'evnt_x', actual);
const reload = (cursor: string, ...events: Event[]): EventsAfter => ({ events, cursor });

const newer = [1, 2, 3, 4, 5].map(() => event('step_completed', 'step_other'));
const written = event('wait_created', 'wait_01');
const committedElsewhere = event('wait_created', 'wait_01');
const hookConflict = event('hook_conflict', 'hook_01');

type Step = EventResult | Error | object;
interface Expectation {
  result?: EventResult;
  skipped?: Event;
  error?: Record<string, unknown>;
  tail?: FenceTail;
  fences: FenceParams[];
  refreshedFrom: (string | null | undefined)[];
  sleeps: number;
}
interface Row {
  name: string;
  creates: Step[];
  refreshes?: (EventsAfter | Error)[];
  options?: Partial<CreateEventFencedOptions>;
  expected: Expectation;
}

const exhaustedConflicts = [1, 2, 3, 4].map((n) => fenceConflict(`evnt_newer_${n}`));

const rows: Row[] = [
  {
    name: 'success advances the fence to the written event',
    creates: [{ event: written }],
    expected: {
      result: { event: written },
      tail: { lastEventId: written.eventId, cursor: 'cursor-0' },
      fences: [{ lastKnownEventId: loaded.eventId }],
      refreshedFrom: [],
      sleeps: 0,
    },
  },
  {
    name: 'N conflicts then success: each retry carries the fence of the reloaded tail',
    creates: [fenceConflict(), fenceConflict(), { event: written }],
    refreshes: [reload('cursor-1', newer[0]!), reload('cursor-2', newer[1]!, newer[2]!)],
    expected: {
      result: { event: written },
      tail: { lastEventId: written.eventId, cursor: 'cursor-2' },
      fences: [
        { lastKnownEventId: loaded.eventId },
        { lastKnownEventId: newer[0]!.eventId },
        { lastKnownEventId: newer[2]!.eventId },
      ],
      refreshedFrom: ['cursor-0', 'cursor-1'],
      sleeps: 2,
    },
  },
  {
    name: 'budget exhausted: exactly retries + 1 attempts, then the typed 412',
    options: { retries: 3 },
    creates: exhaustedConflicts,
    refreshes: [1, 2, 3, 4].map((n) => reload(`cursor-${n}`, newer[n - 1]!)),
    expected: {
      error: {
        name: 'PreconditionFailedError',
        status: 412,
        code: 'FENCE_RETRIES_EXHAUSTED',
        attempts: 4,
        cause: exhaustedConflicts[3],
        tail: { lastEventId: newer[3]!.eventId, cursor: 'cursor-4' },
      },
      fences: [loaded, newer[0]!, newer[1]!, newer[2]!].map((e) => ({
        lastKnownEventId: e.eventId,
      })),
      refreshedFrom: ['cursor-0', 'cursor-1', 'cursor-2', 'cursor-3'],
      sleeps: 3,
    },
  },
  {
    name: 'no retries: one attempt, then the typed 412',
    options: { retries: 0 },
    creates: [fenceConflict()],
    refreshes: [reload('cursor-1', newer[0]!)],
    expected: {
      error: { name: 'PreconditionFailedError', code: 'FENCE_RETRIES_EXHAUSTED', attempts: 1 },
      fences: [{ lastKnownEventId: loaded.eventId }],
      refreshedFrom: ['cursor-0'],
      sleeps: 0,
    },
  },
  {
    name: 'already committed: the reload shows the write, so it is skipped',
    creates: [fenceConflict()],
    refreshes: [reload('cursor-1', newer[0]!, committedElsewhere, newer[1]!)],
    expected: {
      skipped: committedElsewhere,
      tail: { lastEventId: newer[1]!.eventId, cursor: 'cursor-1' },
      fences: [{ lastKnownEventId: loaded.eventId }],
      refreshedFrom: ['cursor-0'],
      sleeps: 0,
    },
  },
  {
    name: 'a hook_created answered by a hook_conflict counts as committed',
    options: { request: { eventType: 'hook_created', correlationId: 'hook_01' } },
    creates: [fenceConflict()],
    refreshes: [reload('cursor-1', hookConflict)],
    expected: {
      skipped: hookConflict,
      tail: { lastEventId: hookConflict.eventId, cursor: 'cursor-1' },
      fences: [{ lastKnownEventId: loaded.eventId }],
      refreshedFrom: ['cursor-0'],
      sleeps: 0,
    },
  },
  {
    name: 'a caller-defined identity decides what counts as committed',
    options: { isSameWrite: (e) => e.eventId === newer[0]!.eventId },
    creates: [fenceConflict()],
    refreshes: [reload('cursor-1', newer[0]!)],
    expected: {
      skipped: newer[0]!,
      tail: { lastEventId: newer[0]!.eventId, cursor: 'cursor-1' },
      fences: [{ lastKnownEventId: loaded.eventId }],
      refreshedFrom: ['cursor-0'],
      sleeps: 0,
    },
  },
  {
    name: 'the refresh callback aborts: its error propagates and nothing more is written',
    creates: [fenceConflict()],
    refreshes: [new Error('storage unavailable')],
    expected: {
      error: { message: 'storage unavailable' },
      fences: [{ lastKnownEventId: loaded.eventId }],
      refreshedFrom: ['cursor-0'],
      sleeps: 0,
    },
  },
  {
    name: 'a non-fence conflict (409) propagates at once, without reload or retry',
    creates: [new EntityConflictError('wait wait_01 already exists')],
    expected: {
      error: { name: 'EntityConflictError', status: 409, code: 'CONFLICT' },
      fences: [{ lastKnownEventId: loaded.eventId }],
      refreshedFrom: [],
      sleeps: 0,
    },
  },
  {
    name: 'a 412 from the stateUpdatedAt guard is handled like a fence conflict',
    creates: [new PreconditionFailedError('newer external event'), { event: written }],
    refreshes: [reload('cursor-1', newer[0]!)],
    expected: {
      result: { event: written },
      tail: { lastEventId: written.eventId, cursor: 'cursor-1' },
      fences: [{ lastKnownEventId: loaded.eventId }, { lastKnownEventId: newer[0]!.eventId }],
      refreshedFrom: ['cursor-0'],
      sleeps: 1,
    },
  },
  {
    name: 'a fence conflict from another realm is recognised by name and code',
    creates: [
      {
        name: 'EntityConflictError',
        code: 'FENCE_CONFLICT',
        status: 412,
        message: 'fence conflict: remote',
      },
      { event: written },
    ],
    refreshes: [reload('cursor-1')],
    expected: {
      result: { event: written },
      tail: { lastEventId: written.eventId, cursor: 'cursor-1' },
      fences: [{ lastKnownEventId: loaded.eventId }, { lastKnownEventId: loaded.eventId }],
      refreshedFrom: ['cursor-0'],
      sleeps: 1,
    },
  },
  {
    name: 'a result without event (idempotent no-op) reloads to learn the true tail',
    creates: [{ run: { runId: RUN } } as EventResult],
    refreshes: [reload('cursor-1', newer[0]!, newer[1]!)],
    expected: {
      result: { run: { runId: RUN } } as EventResult,
      tail: { lastEventId: newer[1]!.eventId, cursor: 'cursor-1' },
      fences: [{ lastKnownEventId: loaded.eventId }],
      refreshedFrom: ['cursor-0'],
      sleeps: 0,
    },
  },
  {
    name: 'with the guard option the tail event time goes along as stateUpdatedAt',
    options: { guard: true },
    creates: [{ event: written }],
    expected: {
      result: { event: written },
      tail: { lastEventId: written.eventId, cursor: 'cursor-0' },
      fences: [{ lastKnownEventId: loaded.eventId, stateUpdatedAt: idTime(loaded.eventId) }],
      refreshedFrom: [],
      sleeps: 0,
    },
  },
  {
    name: 'a tail without events writes unfenced',
    options: { tail: { lastEventId: undefined, cursor: undefined } },
    creates: [{ event: written }],
    expected: {
      result: { event: written },
      tail: { lastEventId: written.eventId, cursor: undefined },
      fences: [{}],
      refreshedFrom: [],
      sleeps: 0,
    },
  },
];

describe('createEventFenced', () => {
  it.each(rows)('$name', async (row) => {
    const creates = [...row.creates];
    const refreshes = [...(row.refreshes ?? [])];
    const fences: FenceParams[] = [];
    const refreshedFrom: (string | null | undefined)[] = [];
    const sleeps: number[] = [];

    const outcome = createEventFenced({
      tail: TAIL,
      request: REQUEST,
      async create(fence) {
        fences.push(fence);
        const next = creates.shift();
        if (next === undefined) throw new Error('create called more often than the row allows');
        if (next instanceof Error || 'name' in next) throw next;
        return next as EventResult;
      },
      async refresh(cursor) {
        refreshedFrom.push(cursor);
        const next = refreshes.shift();
        if (next === undefined) throw new Error('refresh called more often than the row allows');
        if (next instanceof Error) throw next;
        return next;
      },
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0.5,
      ...row.options,
    });

    const { expected } = row;
    if (expected.error !== undefined) {
      const error = await outcome.then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toMatchObject(expected.error);
      if (expected.error.code === 'FENCE_RETRIES_EXHAUSTED') {
        expect(error).toBeInstanceOf(FenceRetriesExhaustedError);
      }
    } else {
      const result = await outcome;
      expect(result.tail).toEqual(expected.tail);
      expect(result.skipped).toBe(expected.skipped !== undefined);
      expect(result.committedEvent).toEqual(expected.skipped);
      expect(result.result).toEqual(expected.result);
    }
    expect(fences).toEqual(expected.fences);
    expect(refreshedFrom).toEqual(expected.refreshedFrom);
    expect(sleeps).toHaveLength(expected.sleeps);
    // Jittered exponential backoff: 25 ms · 2^(n−1) · 0.5 with the defaults.
    expect(sleeps).toEqual(sleeps.map((_, n) => Math.round(25 * 2 ** n * 0.5)));
    expect(creates).toHaveLength(0);
    expect(refreshes).toHaveLength(0);
  });

  it('refuses a retry budget that is not a non-negative integer', async () => {
    await expect(
      createEventFenced({
        tail: TAIL,
        request: REQUEST,
        retries: -1,
        create: async () => ({}),
        refresh: async () => reload('c'),
      }),
    ).rejects.toThrow(RangeError);
  });
});

describe('createEventFenced against the reference state machine', () => {
  /** A client of one run in a Store: writes through the state machine, reloads from its log. */
  function client(store: Store) {
    return {
      create: (data: AnyEventRequest) => async (fence: FenceParams) => {
        const outcome = store.create(RUN, data, fence);
        if (outcome.kind === 'rejected') throw outcome.error;
        return outcome.result;
      },
      refresh: listEventsAfter(
        {
          async list({ pagination }) {
            // Cursors are event ids: "strictly after this event", two events per page.
            const cursor = pagination?.cursor;
            const after = store.log.filter((e) => cursor === undefined || e.eventId > cursor);
            const data = after.slice(0, 2);
            return {
              data,
              cursor: data.at(-1)?.eventId ?? cursor ?? null,
              hasMore: after.length > 2,
            };
          },
        },
        RUN,
      ),
      tail: (): FenceTail => {
        const last = store.log.at(-1)!.eventId;
        return { lastEventId: last, cursor: last };
      },
    };
  }

  it('lands a write decided from a stale log after reloading what moved', async () => {
    const store = startedRun();
    const writer = client(store);
    const staleTail = writer.tail();
    // Another replay writes first: the writer's log is now stale.
    store.given(RUN, stepCreated('step_01'));
    store.given(RUN, stepCreated('step_02'));
    store.given(RUN, stepCreated('step_03'));

    const { result, tail, skipped } = await createEventFenced({
      tail: staleTail,
      request: { eventType: 'step_created', correlationId: 'step_04' },
      create: writer.create(stepCreated('step_04')),
      refresh: writer.refresh,
      sleep: async () => {},
    });
    expect(skipped).toBe(false);
    expect(result?.event?.correlationId).toBe('step_04');
    expect(tail.lastEventId).toBe(store.log.at(-1)!.eventId);
    expect(store.log.map((e) => e.correlationId ?? e.eventType)).toEqual([
      'run_created',
      'run_started',
      'step_01',
      'step_02',
      'step_03',
      'step_04',
    ]);
  });

  it('skips a write another replay already made, leaving one creation event', async () => {
    const store = startedRun();
    const writer = client(store);
    const staleTail = writer.tail();
    store.given(RUN, stepCreated('step_01'));

    const { skipped, committedEvent, tail } = await createEventFenced({
      tail: staleTail,
      request: { eventType: 'step_created', correlationId: 'step_01' },
      create: writer.create(stepCreated('step_01')),
      refresh: writer.refresh,
      sleep: async () => {},
    });
    expect(skipped).toBe(true);
    expect(committedEvent?.correlationId).toBe('step_01');
    expect(tail.lastEventId).toBe(committedEvent?.eventId);
    expect(store.log.filter((e) => e.eventType === 'step_created')).toHaveLength(1);
  });
});
