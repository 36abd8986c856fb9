import { type Event, eventSlotOf, idTime, slotEventId } from '@worldkit/world';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld } from '../src/index.js';
import { DATABASE_URL, dropSchema, randomSchema } from './helpers.js';

/**
 * What the conformance suite cannot see of slot-numbered event ids (runs of spec 6 and later):
 * slots in a batch (append_events()), the call of an app not yet upgraded, event times stored
 * and read rather than decoded from ids (the stateUpdatedAt guard's marker among them), and
 * pages across runs whose ids are slots and ULIDs side by side.
 */

const schema = randomSchema();
const world = createWorld({ connectionString: DATABASE_URL, schema });
const batched = createWorld({ connectionString: DATABASE_URL, schema, appendConcurrency: 1 });
const admin = new pg.Client({ connectionString: DATABASE_URL });
const input = new Uint8Array([6, 0, 7]);

beforeAll(async () => {
  await admin.connect();
  await world.migrate();
});

afterAll(async () => {
  await Promise.all([world.close(), batched.close()]);
  await admin.end();
  await dropSchema(schema);
});

async function startedRun(runId: string, specVersion: number) {
  await world.events.create(runId, {
    eventType: 'run_created',
    specVersion,
    eventData: { deploymentId: 'd', workflowName: 'wf', input },
  });
  await world.events.create(runId, { eventType: 'run_started', specVersion });
}

const later = () => new Date(Date.now() + 60_000);

async function allEvents(runId: string): Promise<Event[]> {
  return (await world.events.list({ runId, pagination: { limit: 1000 } })).data;
}

/** The times PostgreSQL stored for a run's events, in slot order. */
async function storedTimes(runId: string): Promise<number[]> {
  const { rows } = await admin.query<{ at: number }>(
    `SELECT "${schema}".epoch_ms(created_at)::float8 AS at FROM "${schema}".events
     WHERE run_id = $1 ORDER BY event_id`,
    [runId],
  );
  return rows.map((row) => row.at);
}

describe('slot-numbered event ids', () => {
  for (const [how, writer] of [
    ['one statement each', world],
    ['in batches', batched],
  ] as const) {
    it(`racing appends to a slot run take consecutive slots, timed in slot order (${how})`, async () => {
      const runId = `wrun_slots_race_${how.replaceAll(' ', '_')}`;
      await startedRun(runId, 7);
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          writer.events.create(runId, {
            eventType: 'wait_created',
            correlationId: `wait_${i}`,
            specVersion: 7,
            eventData: { resumeAt: later() },
          }),
        ),
      );
      const events = await allEvents(runId);
      expect(events.map((event) => event.eventId)).toEqual(
        events.map((_, index) => slotEventId(index + 1)),
      );
      // Each writer reads the clock once it holds the run's lock, so times follow the slots.
      const times = events.map((event) => event.createdAt.getTime());
      expect(times).toEqual([...times].sort((a, b) => a - b));
      expect(times).toEqual(await storedTimes(runId));
      for (const result of results) {
        const read = events.find((event) => event.eventId === result.event!.eventId)!;
        expect(result.event!.createdAt).toEqual(read.createdAt);
        expect(result.wait!.createdAt).toEqual(read.createdAt);
      }
    });
  }

  it('the 18-parameter call of an app not yet upgraded numbers a slot run by slot too', async () => {
    const runId = 'wrun_slots_old_caller';
    await startedRun(runId, 6);
    const { rows } = await admin.query(
      `SELECT code, ev_id FROM "${schema}".append_event($1, 'wait_created', 'wait_old', 6,
         NULL, NULL, NULL, NULL, NULL, NULL, $2, NULL, NULL, NULL, NULL, NULL, NULL,
         '0000000000000000')`,
      [runId, Date.now() + 60_000],
    );
    expect(rows).toEqual([{ code: null, ev_id: slotEventId(3) }]);
  });

  it('an event is timed by the server at its commit, and the guard compares with that time', async () => {
    const runId = 'wrun_slots_guard';
    await startedRun(runId, 7);
    await world.events.create(runId, {
      eventType: 'hook_created',
      correlationId: 'hook_1',
      specVersion: 7,
      eventData: { token: 'slot-guard-token' },
    });
    const before = Date.now();
    const received = await world.events.create(runId, {
      eventType: 'hook_received',
      correlationId: 'hook_1',
      specVersion: 7,
      eventData: { payload: input },
    });
    const after = Date.now();
    const { eventId, createdAt } = received.event!;
    expect(eventSlotOf(eventId)).toBe(4);
    // The server's clock and this process's are the same machine's.
    expect(createdAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(createdAt.getTime()).toBeLessThanOrEqual(after + 1000);
    expect((await world.events.get(runId, eventId)).createdAt).toEqual(createdAt);

    const guarded = (stateUpdatedAt: number) =>
      world.events.create(
        runId,
        {
          eventType: 'wait_created',
          correlationId: `wait_${stateUpdatedAt}`,
          specVersion: 7,
          eventData: { resumeAt: later() },
        },
        { stateUpdatedAt },
      );
    await expect(guarded(createdAt.getTime() - 1)).rejects.toMatchObject({
      name: 'PreconditionFailedError',
    });
    const passed = await guarded(createdAt.getTime());
    expect(passed.event?.eventId, 'the refused write took no slot').toBe(slotEventId(5));
  });

  it('a run of spec 5 keeps ULID ids, each timed by its id', async () => {
    const runId = 'wrun_slots_ulid';
    await startedRun(runId, 5);
    const events = await allEvents(runId);
    expect(events.map((event) => eventSlotOf(event.eventId))).toEqual([undefined, undefined]);
    for (const event of events) expect(event.createdAt.getTime()).toBe(idTime(event.eventId));
  });

  it('pages across runs (hooks, events by correlation id) pass through slot and ULID runs alike', async () => {
    const runIds = ['wrun_slots_page_a', 'wrun_slots_page_b', 'wrun_slots_page_c'];
    const specVersions = [3, 7, 6];
    for (const [i, runId] of runIds.entries()) {
      await startedRun(runId, specVersions[i]!);
      for (const step of ['step_shared_x', 'step_shared_y']) {
        await world.events.create(runId, {
          eventType: 'step_created',
          correlationId: step,
          specVersion: specVersions[i],
          eventData: { stepName: 's', input },
        });
      }
      await world.events.create(runId, {
        eventType: 'hook_created',
        correlationId: `hook_page_${i}`,
        specVersion: specVersions[i],
        eventData: { token: `slot-page-token-${i}` },
      });
    }

    const hooks: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await world.hooks.list({ pagination: { limit: 1, cursor } });
      hooks.push(...page.data.filter((hook) => runIds.includes(hook.runId)).map((h) => h.hookId));
      cursor = page.hasMore ? (page.cursor ?? undefined) : undefined;
    } while (cursor !== undefined);
    expect([...hooks].sort()).toEqual(['hook_page_0', 'hook_page_1', 'hook_page_2']);

    for (const sortOrder of ['asc', 'desc'] as const) {
      const seen: string[] = [];
      cursor = undefined;
      for (;;) {
        const page = await world.events.listByCorrelationId({
          correlationId: 'step_shared_x',
          pagination: { limit: 1, sortOrder, cursor },
        });
        seen.push(...page.data.map((event) => `${event.runId}/${event.eventId}`));
        if (!page.hasMore) break;
        cursor = page.cursor!;
      }
      expect(seen, `${sortOrder}: each event once`).toHaveLength(3);
      expect(new Set(seen.map((entry) => entry.split('/')[0]))).toEqual(new Set(runIds));
    }
  });
});
