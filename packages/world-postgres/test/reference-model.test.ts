import {
  type AnyEventRequest,
  type CreateEventParams,
  EVENT_TYPES,
  type EventResult,
  type EventType,
  isTerminalRunEventType,
  TERMINAL_RUN_EVENT_TYPES,
} from '@worldkit/world';
import { createMemoryBackend, createMemoryWorld } from '@worldkit/world-testing/memory';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld } from '../src/index.js';
import { DATABASE_URL, dropSchema, randomSchema } from './helpers.js';

/**
 * Random histories applied both to this World and to the in-memory reference World of
 * @worldkit/world-testing (the reference state machine behind the World API): every outcome
 * (applied / unchanged / the typed error) and every result must agree, and so must the logs and
 * entities at the end. Times and ids differ between the two by
 * construction, so they are compared by presence; fences are chosen symbolically (the writer's
 * view is current or stale) and resolved against each side's own ids. One run of each history is
 * created at spec 7, whose events are numbered by slot: its ids must be the reference's exactly.
 */

const schema = randomSchema();
const world = createWorld({ connectionString: DATABASE_URL, schema });
const admin = new pg.Client({ connectionString: DATABASE_URL });

beforeAll(async () => {
  await admin.connect();
  await world.migrate();
});

/** What the histories exercised, so a generator that stopped reaching a rule is noticed. */
const covered = {
  applied: new Set<string>(),
  rejected: new Set<string>(),
  lazyStarts: new Set<'applied' | 'refused'>(),
};
type Outcome = { kind: 'ok'; result: EventResult } | { kind: 'error'; error: unknown };

/** `events.create` on either World, with a refusal caught as an outcome. */
async function createEvent(
  target: { events: { create: unknown } },
  runId: string,
  data: AnyEventRequest,
  params: CreateEventParams,
): Promise<Outcome> {
  const create = target.events.create as (
    runId: string,
    data: AnyEventRequest,
    params: CreateEventParams,
  ) => Promise<EventResult>;
  try {
    return { kind: 'ok', result: await create(runId, data, params) };
  } catch (error) {
    return { kind: 'error', error };
  }
}

afterAll(async () => {
  await world.close();
  await admin.end();
  await dropSchema(schema);
});

/** mulberry32: a small seeded generator, so a failing history can be replayed. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Every type a client may create: all but `hook_conflict`, which a World writes itself. */
const TYPES = EVENT_TYPES.filter(
  (type): type is Exclude<EventType, 'hook_conflict'> => type !== 'hook_conflict',
);

/** Step events weigh double: retries and early starts need a step's whole life in one history. */
const NON_TERMINAL_TYPES = [
  ...TYPES.filter((type) => !isTerminalRunEventType(type)),
  ...TYPES.filter((type) => type.startsWith('step_')),
];

type Fence = 'none' | 'current' | 'stale';

interface Action {
  runId: string;
  event: AnyEventRequest;
  lastKnown: Fence;
  stateUpdatedAt: Fence;
}

/** The spec version the runtime writes a run's events at: a slot run's, or the 4.x default. */
const SLOT_RUN_SPEC_VERSION = 7;

function randomAction(
  random: () => number,
  runIds: string[],
  slotRunId: string,
  tokens: string[],
): Action {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const bytes = () => new Uint8Array([Math.floor(random() * 256), 0, 255]);
  const correlationId = pick(['c1', 'c2']);
  // Terminal run events are rare, so histories live long enough to reach every rule.
  const eventType = random() < 0.04 ? pick(TERMINAL_RUN_EVENT_TYPES) : pick(NON_TERMINAL_TYPES);
  const future = random() < 0.5;
  const when = new Date(
    Date.now() + (future ? 3_600_000 : -3_600_000) + Math.floor(random() * 999),
  );
  let event: Record<string, unknown>;
  switch (eventType) {
    case 'run_created':
      event = {
        eventData: {
          deploymentId: 'd',
          workflowName: 'wf',
          input: bytes(),
          ...(random() < 0.4 ? { attributes: { $parentRunId: pick(runIds), team: 'ops' } } : {}),
        },
      };
      break;
    case 'run_started':
      event =
        random() < 0.4
          ? {
              eventData: {
                deploymentId: 'd',
                workflowName: 'wf',
                input: bytes(),
                executionContext: { a: 1 },
              },
            }
          : {};
      break;
    case 'run_completed':
      event = { eventData: { output: bytes() } };
      break;
    case 'run_failed':
      event = {
        eventData: {
          error: pick(['boom', { message: 'm', stack: 'at x' }, '']),
          ...(random() < 0.5 ? { errorCode: 'USER_ERROR' } : {}),
        },
      };
      break;
    case 'run_cancelled':
      event = {};
      break;
    case 'step_created':
      event = { correlationId, eventData: { stepName: 's', input: bytes() } };
      break;
    case 'step_started': {
      // A third are lazy starts (they carry the step's input), with or without a workflowName.
      const kind = random();
      const lazy = {
        stepName: 's',
        input: bytes(),
        ...(random() < 0.5 ? { workflowName: 'wf' } : {}),
      };
      event = {
        correlationId,
        ...(kind < 0.33
          ? { eventData: lazy }
          : kind < 0.66
            ? { eventData: { stepName: 's' } }
            : {}),
      };
      break;
    }
    case 'step_completed':
      event = { correlationId, eventData: { result: bytes() } };
      break;
    case 'step_failed':
      event = {
        correlationId,
        eventData: { error: 'failed', ...(random() < 0.5 ? { stack: 'at y' } : {}) },
      };
      break;
    case 'step_retrying':
      event = {
        correlationId,
        eventData: { error: { message: 'again' }, ...(random() < 0.7 ? { retryAfter: when } : {}) },
      };
      break;
    case 'hook_created':
      event = {
        correlationId,
        eventData: {
          token: pick(tokens),
          ...(random() < 0.5 ? { metadata: bytes() } : {}),
          ...(random() < 0.5 ? { isWebhook: random() < 0.5 } : {}),
        },
      };
      break;
    case 'hook_received':
      event = { correlationId, eventData: { payload: bytes() } };
      break;
    case 'hook_disposed':
      event = { correlationId, ...(random() < 0.5 ? { eventData: {} } : {}) };
      break;
    case 'wait_created':
      event = { correlationId, eventData: { resumeAt: when } };
      break;
    case 'wait_completed':
      event = { correlationId, ...(random() < 0.5 ? { eventData: { resumeAt: when } } : {}) };
      break;
  }
  const runId = pick(runIds);
  if (runId === slotRunId) event.specVersion = SLOT_RUN_SPEC_VERSION;
  return {
    runId,
    event: { eventType, ...event } as AnyEventRequest,
    lastKnown: random() < 0.8 ? 'none' : pick(['current', 'stale'] as const),
    stateUpdatedAt: random() < 0.7 ? 'none' : pick(['current', 'stale'] as const),
  };
}

/** Ids and append times differ between the two sides: keep only whether they are there. */
function normalize(value: unknown, key = ''): unknown {
  if (['createdAt', 'updatedAt', 'startedAt', 'completedAt'].includes(key)) {
    return value instanceof Date ? 'time' : value;
  }
  if (key === 'eventId' || key === 'cursor') return typeof value === 'string' ? 'id' : value;
  if (value instanceof Uint8Array) return [...value];
  if (value instanceof Date) return value.getTime();
  if (Array.isArray(value)) return value.map((item) => normalize(item));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = normalize(v, k);
    return out;
  }
  return value;
}

function describeError(error: unknown) {
  const e = error as { name?: string; code?: string; status?: number; retryAfter?: number };
  return { name: e.name, code: e.code, status: e.status };
}

/** A run's state as a writer sees it: the newest event (id and time) and the guard's marker. */
interface WriterView {
  lastEventId: string | undefined;
  lastEventAt: number | undefined;
  marker: number | undefined;
}

async function worldState(runId: string): Promise<WriterView | undefined> {
  // The fence is the newest event; the guard's marker the newest externally originated one.
  // Times are read, not decoded from ids: a slot id carries none.
  const { rows } = await admin.query(
    `SELECT newest.event_id AS last_event_id,
            "${schema}".epoch_ms(newest.created_at) AS last_event_at,
            (SELECT "${schema}".epoch_ms(e.created_at) FROM "${schema}".events e
             WHERE e.run_id = r.run_id AND e.external ORDER BY e.event_id DESC LIMIT 1) AS marker
     FROM "${schema}".runs r,
       LATERAL (SELECT e.event_id, e.created_at FROM "${schema}".events e
                WHERE e.run_id = r.run_id ORDER BY e.event_id DESC LIMIT 1) newest
     WHERE r.run_id = $1`,
    [runId],
  );
  const row = rows[0] as
    | { last_event_id: string; last_event_at: string; marker: string | null }
    | undefined;
  return (
    row && {
      lastEventId: row.last_event_id,
      lastEventAt: Number(row.last_event_at),
      marker: row.marker === null ? undefined : Number(row.marker),
    }
  );
}

/** What is read of the oracle's record of a run. */
interface OracleRecord {
  state: { lastEventId?: string; externalMarker?: number };
  events: { createdAt: Date }[];
}

/** The oracle's view of a run, from its stored state and log. */
function referenceState(record: OracleRecord | undefined): WriterView | undefined {
  return (
    record && {
      lastEventId: record.state.lastEventId,
      lastEventAt: record.events.at(-1)?.createdAt.getTime(),
      marker: record.state.externalMarker,
    }
  );
}

function fenceParams(
  action: Action,
  view: WriterView | undefined,
  previousEventId: string | undefined,
): CreateEventParams {
  const lastEventId = view?.lastEventId;
  const params: CreateEventParams = {};
  if (action.lastKnown === 'current' && lastEventId !== undefined)
    params.lastKnownEventId = lastEventId;
  if (action.lastKnown === 'stale')
    params.lastKnownEventId = previousEventId ?? 'evnt_01JG0000000000000000000000';
  const newest = view?.lastEventAt;
  if (action.stateUpdatedAt !== 'none' && newest !== undefined) {
    params.stateUpdatedAt =
      action.stateUpdatedAt === 'current' ? newest : (view?.marker ?? newest) - 1;
  }
  return params;
}

describe('append_event() agrees with the reference state machine', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`on random history ${seed}`, async () => {
      const random = seeded(seed);
      const runIds = [`wrun_seed${seed}_a`, `wrun_seed${seed}_b`, `wrun_seed${seed}_c`];
      const slotRunId = runIds[2]!;
      // The oracle's backend is read for its fence inputs: the newest event id and guard marker.
      const oracle = createMemoryBackend();
      const reference = createMemoryWorld({ backend: oracle });
      const previous = new Map<string, { reference?: string; world?: string }>();
      let followUp: Action | undefined;
      for (let i = 0; i < 200; i++) {
        const action =
          followUp ?? randomAction(random, runIds, slotRunId, [`t1_${seed}`, `t2_${seed}`]);
        followUp = undefined;
        // Copied out: the oracle's run record changes in place as events are appended.
        const refRecord = oracle.store.runs.get(action.runId);
        const refState = referenceState(refRecord);
        const refLogLength = refRecord?.events.length ?? 0;
        const dbState = await worldState(action.runId);
        const prior = previous.get(action.runId) ?? {};
        const refParams = fenceParams(action, refState, prior.reference);
        const dbParams = fenceParams(action, dbState, prior.world);
        const expected = await createEvent(reference, action.runId, action.event, refParams);
        const actual = await createEvent(world, action.runId, action.event, dbParams);
        const context = `step ${i}: ${action.event.eventType} on ${action.runId} (${JSON.stringify({ lastKnown: action.lastKnown, guard: action.stateUpdatedAt })})`;
        if (action.event.eventType === 'step_started' && action.event.eventData?.input) {
          covered.lazyStarts.add(expected.kind === 'error' ? 'refused' : 'applied');
        }
        if (expected.kind === 'error') {
          const refusal = describeError(expected.error);
          covered.rejected.add(`${refusal.name}/${refusal.code}`);
          expect(actual.kind, context).toBe('error');
          if (actual.kind === 'error') {
            expect(describeError(actual.error), context).toEqual(refusal);
          }
          continue;
        }
        if (actual.kind === 'error')
          throw new Error(`${context}: World refused with ${String(actual.error)}`);
        const { events: _refLog, cursor: _c, hasMore: _h, ...expectedResult } = expected.result;
        const { events: log, cursor, hasMore, ...actualResult } = actual.result;
        expect(normalize(actualResult), context).toEqual(normalize(expectedResult));
        if (action.event.eventType === 'run_started') {
          // The whole log, also when the run was already started (the oracle then returns none).
          const refLog = oracle.store.runs.get(action.runId)?.events;
          expect(normalize(log), context).toEqual(normalize(refLog));
          expect(hasMore).toBe(false);
          expect(cursor).toBe(log?.at(-1)?.eventId);
        }
        // Applied, not unchanged: the oracle's log grew.
        const refEvents = oracle.store.runs.get(action.runId)?.events ?? [];
        if (refEvents.length > refLogLength) {
          covered.applied.add(refEvents.at(-1)!.eventType);
          // A retried step is often started again right away, before its retryAfter.
          if (action.event.eventType === 'step_retrying' && random() < 0.5) {
            followUp = {
              runId: action.runId,
              event: { eventType: 'step_started', correlationId: action.event.correlationId },
              lastKnown: 'none',
              stateUpdatedAt: 'none',
            };
          }
          previous.set(action.runId, {
            reference: refState?.lastEventId,
            world: dbState?.lastEventId,
          });
        }
      }
      for (const runId of runIds) {
        const events = (await world.events.list({ runId })).data;
        if (oracle.store.runs.get(runId) === undefined) {
          expect(events).toEqual([]);
          continue;
        }
        expect(normalize(events)).toEqual(normalize((await reference.events.list({ runId })).data));
        const ids = events.map((event) => event.eventId);
        expect([...ids].sort()).toEqual(ids);
        if (runId === slotRunId) {
          // Slots are allocated alike on both sides: dense from 1, none taken by a refusal.
          const refIds = (await reference.events.list({ runId })).data.map((e) => e.eventId);
          expect(ids, 'the slot run numbers its events as the reference does').toEqual(refIds);
        }
        expect(normalize(await world.runs.get(runId))).toEqual(
          normalize(await reference.runs.get(runId)),
        );
        const ascending = { runId, pagination: { sortOrder: 'asc' as const } };
        expect(normalize((await world.steps.list(ascending)).data)).toEqual(
          normalize((await reference.steps.list(ascending)).data),
        );
        expect(normalize((await world.hooks.list({ runId })).data)).toEqual(
          normalize((await reference.hooks.list({ runId })).data),
        );
      }
    });
  }

  it('exercised every event type and every refusal', () => {
    expect([...covered.applied].sort()).toEqual([...EVENT_TYPES].sort());
    expect([...covered.lazyStarts].sort()).toEqual(['applied', 'refused']);
    expect([...covered.rejected].sort()).toEqual(
      [
        'EntityConflictError/CONFLICT',
        'EntityConflictError/FENCE_CONFLICT',
        'HookNotFoundError/HOOK_NOT_FOUND',
        'PreconditionFailedError/PRECONDITION_FAILED',
        'RunExpiredError/RUN_EXPIRED',
        'TooEarlyError/TOO_EARLY',
        'WorkflowRunNotFoundError/RUN_NOT_FOUND',
        'WorkflowWorldError/NOT_FOUND',
      ].sort(),
    );
  });
});
