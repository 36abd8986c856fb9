import {
  type AnyEventRequest,
  type CreateEventParams,
  type EventResult,
  newId,
} from '@worldkit/world';
import { createMemoryBackend, createMemoryWorld } from '@worldkit/world-testing/memory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld } from '../src/index.js';
import { assertRedisReachable, deleteKeys, REDIS_URL, testPrefix } from './helpers.js';

const prefix = testPrefix('model');
const world = createWorld({ url: REDIS_URL, prefix });

beforeAll(() => assertRedisReachable());
afterAll(async () => {
  await world.close();
  await deleteKeys(prefix);
});

function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

/** `WORLD_REDIS_MODEL_HISTORIES` scales the number of random histories (default 12). */
const SEEDS = Array.from(
  { length: Number(process.env.WORLD_REDIS_MODEL_HISTORIES ?? 12) },
  (_, i) => i + 1,
);

const bytes = (...values: number[]) => new Uint8Array(values);
const FAR_FUTURE = new Date(Date.now() + 3_600_000);
const PAST = new Date(Date.now() - 3_600_000);

/** A run's creation data: without attributes, with none, or with some (kept exactly as given). */
function runCreation(pick: <T>(items: readonly T[]) => T, input: Uint8Array) {
  const attributes = pick<Record<string, string> | undefined>([
    undefined,
    {},
    { $parentRunId: 'run_x', '': 'empty key' },
  ]);
  return {
    deploymentId: 'd',
    workflowName: 'wf',
    input,
    ...(attributes === undefined ? {} : { attributes }),
  };
}

/** One random create: an event of any type against a small universe of ids and tokens. */
function randomEvent(pick: <T>(items: readonly T[]) => T, tokens: string[]): AnyEventRequest {
  const step = pick(['step_a', 'step_b']);
  const hook = pick(['hook_a', 'hook_b']);
  const wait = pick(['wait_a', 'wait_b']);
  const events: AnyEventRequest[] = [
    { eventType: 'run_created', eventData: runCreation(pick, bytes(1)) },
    { eventType: 'run_started' },
    {
      eventType: 'run_started',
      eventData: { deploymentId: 'd', workflowName: 'wf', input: bytes(2) },
    },
    { eventType: 'run_completed', eventData: { output: bytes(3) } },
    {
      eventType: 'run_failed',
      eventData: { error: { message: 'boom', stack: 'at x' }, errorCode: 'USER_ERROR' },
    },
    { eventType: 'run_cancelled' },
    {
      eventType: 'step_created',
      correlationId: step,
      eventData: { stepName: 'add', input: bytes(4) },
    },
    { eventType: 'step_started', correlationId: step, eventData: { stepName: 'add' } },
    // A lazy start: the step's create-claim.
    {
      eventType: 'step_started',
      correlationId: step,
      eventData: { stepName: 'add', workflowName: 'wf', attempt: 1, input: bytes(8) },
    },
    { eventType: 'step_completed', correlationId: step, eventData: { result: bytes(5) } },
    { eventType: 'step_failed', correlationId: step, eventData: { error: 'bad', stack: 's' } },
    {
      eventType: 'step_retrying',
      correlationId: step,
      eventData: {
        error: 'again',
        ...pick([{}, { retryAfter: PAST }, { retryAfter: FAR_FUTURE }]),
      },
    },
    {
      eventType: 'hook_created',
      correlationId: hook,
      eventData: { token: pick(tokens), metadata: bytes(6), isWebhook: pick([true, false]) },
    },
    { eventType: 'hook_received', correlationId: hook, eventData: { payload: bytes(7) } },
    { eventType: 'hook_disposed', correlationId: hook },
    { eventType: 'wait_created', correlationId: wait, eventData: { resumeAt: FAR_FUTURE } },
    { eventType: 'wait_completed', correlationId: wait, eventData: { resumeAt: FAR_FUTURE } },
  ];
  return pick(events);
}

/** Values with the clock-dependent parts (ids, times) replaced, for comparing two Worlds. */
export function comparable(value: unknown): unknown {
  if (value instanceof Date) return 'date';
  if (value instanceof Uint8Array) return [...value];
  if (Array.isArray(value)) return value.map(comparable);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value)) {
      if (field === undefined || key === 'eventId') continue;
      out[key] = comparable(field);
    }
    return out;
  }
  return value;
}

function outcomeOf(result: EventResult | Error) {
  if (result instanceof Error) {
    const error = result as Error & { code?: string; status?: number };
    return { rejected: { name: error.name, code: error.code, status: error.status } };
  }
  const { events: _events, cursor: _cursor, hasMore: _hasMore, ...rest } = result;
  return comparable(rest);
}

describe('the Lua state machine agrees with the reference on random histories', () => {
  it.each(SEEDS)('history %i', async (seed) => {
    const random = seeded(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    // The oracle: the in-memory World on the reference state machine. Its backend is read for the
    // fence input (the run's newest event id) and the final log.
    const oracle = createMemoryBackend();
    const reference = createMemoryWorld({ backend: oracle });
    const runs = [newId('run'), newId('run')];
    // Each run is written at the 4.x spec (ULID event ids) or at spec 7 (slot ids).
    const specOf = new Map(runs.map((runId) => [runId, pick([3, 7])]));
    // Tokens are global: each history gets its own.
    const tokens = [`tok_${seed}_1`, `tok_${seed}_2`];
    // Run events are rarer than entity events, so histories get deep.
    for (let i = 0; i < 60; i++) {
      const runId = pick(runs);
      const drawn =
        i < 2
          ? ({
              eventType: 'run_created',
              eventData: runCreation(pick, bytes(1)),
            } as AnyEventRequest)
          : randomEvent(pick, tokens);
      const event = { ...drawn, specVersion: specOf.get(runId)! };
      if (event.eventType.startsWith('run_') && event.eventType !== 'run_started' && random() < 0.6)
        continue;
      const fence = pick(['none', 'none', 'current', 'stale'] as const);
      const guard = pick([undefined, undefined, 0, 1e15]);
      const paramsFor = (lastEventId: string | undefined): CreateEventParams => ({
        ...(guard === undefined ? {} : { stateUpdatedAt: guard }),
        ...(fence === 'none'
          ? {}
          : {
              lastKnownEventId:
                fence === 'stale' ? newId('event') : (lastEventId ?? newId('event')),
            }),
      });
      const expected = await reference.events
        .create(runId, event as never, paramsFor(oracle.store.runs.get(runId)?.state.lastEventId))
        .catch((error: Error) => error);
      const worldLast = (
        await world.events.list({ runId, pagination: { sortOrder: 'desc', limit: 1 } })
      ).data[0]?.eventId;
      const actual = await world.events
        .create(runId, event as never, paramsFor(worldLast))
        .catch((error: Error) => error);
      expect({ step: i, event: event.eventType, outcome: outcomeOf(actual) }).toEqual({
        step: i,
        event: event.eventType,
        outcome: outcomeOf(expected),
      });
    }
    for (const runId of runs) {
      const log = await world.events.list({ runId });
      const expectedLog = oracle.store.runs.get(runId)?.events ?? [];
      expect(comparable(log.data)).toEqual(comparable(expectedLog));
      if (specOf.get(runId)! >= 6) {
        // Slot ids do not depend on the clock: both Worlds number the log alike.
        expect(log.data.map((e) => e.eventId)).toEqual(expectedLog.map((e) => e.eventId));
      }
      expect(comparable(await world.runs.get(runId).catch((error: Error) => error.name))).toEqual(
        comparable(await reference.runs.get(runId).catch((error: Error) => error.name)),
      );
      const ascending = { runId, pagination: { sortOrder: 'asc' as const } };
      expect(comparable((await world.steps.list(ascending)).data)).toEqual(
        comparable((await reference.steps.list(ascending)).data),
      );
      expect(comparable((await world.hooks.list({ runId })).data)).toEqual(
        comparable((await reference.hooks.list({ runId })).data),
      );
    }
  });
});
