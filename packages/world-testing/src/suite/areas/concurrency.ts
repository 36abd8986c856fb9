import type { Event, EventResult, World } from '@worldkit/world';
import { expect } from 'vitest';
import type { CaseContext, ConformanceCase } from '../context.js';
import { allEvents, append, createRun, ev, sleep } from '../fixtures.js';
import { newHookId, newStepId, newToken, newWaitId } from '../names.js';

/** Something that can append events: a World instance or a child process hosting one. */
type Writer = (runId: string, event: Record<string, unknown>) => Promise<EventResult>;

type Topology = 'one World' | 'two World instances' | 'separate processes';

async function writersFor(t: CaseContext, topology: Topology): Promise<Writer[]> {
  const count = Math.max(2, t.scale.writers);
  if (topology === 'one World') {
    const world = await t.world();
    return Array.from({ length: count }, () => (runId, event) => append(world, runId, event));
  }
  if (topology === 'two World instances') {
    const worlds = [await t.world(), await t.openWorld()];
    return Array.from(
      { length: count },
      (_, i) => (runId, event) => append(worlds[i % 2]!, runId, event),
    );
  }
  const children = [await t.spawnProcess(), await t.spawnProcess()];
  return Array.from(
    { length: count },
    (_, i) => (runId, event) =>
      children[i % 2]!.call<EventResult>('events.create', runId, event, undefined),
  );
}

/**
 * The World to read from, the racing writers, and a fresh run for them to race on, holding the
 * `before` events.
 */
async function raceOnNewRun(
  t: CaseContext,
  topology: Topology,
  before: Record<string, unknown>[] = [],
) {
  const world = await t.world();
  const writers = await writersFor(t, topology);
  const runId = await createRun(world);
  for (const event of before) await append(world, runId, event);
  return { world, writers, runId };
}

/** A step created and started, ready to end. */
const startedStep = (stepId: string) => [ev.stepCreated(stepId), ev.stepStarted(stepId)];

const requirementsOf = (topology: Topology): ConformanceCase['requires'] =>
  topology === 'separate processes' ? ['multiProcess'] : [];

/** Fires every writer at once and returns the settled results. */
async function race(
  writers: Writer[],
  write: (writer: Writer, index: number) => Promise<EventResult>,
) {
  return Promise.allSettled(writers.map((writer, index) => write(writer, index)));
}

function outcomes(results: PromiseSettledResult<EventResult>[]) {
  const winners = results.filter(
    (r): r is PromiseFulfilledResult<EventResult> => r.status === 'fulfilled',
  );
  const losers = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  return { winners, losers };
}

function expectOneWinner(
  results: PromiseSettledResult<EventResult>[],
  what: string,
  loserNames: string[] = ['EntityConflictError'],
) {
  const { winners, losers } = outcomes(results);
  expect(winners.length, `${what}: exactly one concurrent writer must win`).toBe(1);
  for (const loser of losers) {
    const name = (loser.reason as Error)?.name;
    expect(
      loserNames,
      `${what}: a loser failed with ${name}: ${(loser.reason as Error)?.message}`,
    ).toContain(name);
  }
}

/**
 * Every writer makes the same write of an entity's event (each its own, built by `write`):
 * exactly one must win, and the log must hold the event once. Returns the log.
 */
async function expectWrittenOnce(
  world: World,
  writers: Writer[],
  runId: string,
  write: () => { eventType: string; correlationId: string },
  loserNames?: string[],
): Promise<Event[]> {
  const events = writers.map(() => write());
  const { eventType, correlationId } = events[0]!;
  expectOneWinner(await race(writers, (w, i) => w(runId, events[i]!)), eventType, loserNames);
  const log = await allEvents(world, runId);
  expect(countOf(log, eventType, correlationId)).toBe(1);
  return log;
}

function countOf(events: Event[], type: string, correlationId?: string) {
  return events.filter(
    (e) =>
      e.eventType === type && (correlationId === undefined || e.correlationId === correlationId),
  ).length;
}

/** Event ids strictly increase in log order, and the log has no duplicates. */
function expectOrderedLog(events: Event[]) {
  const ids = events.map((e) => e.eventId);
  expect(new Set(ids).size, 'duplicate event ids').toBe(ids.length);
  for (let i = 1; i < ids.length; i++) {
    expect(ids[i]! > ids[i - 1]!, `event ${i} id ${ids[i]} is not after ${ids[i - 1]}`).toBe(true);
  }
}

function casesFor(topology: Topology): ConformanceCase[] {
  const requires = requirementsOf(topology);
  const named = (what: string) => `${what} (${topology})`;
  return [
    {
      name: named('duplicate step_created: exactly one winner, one event'),
      requires,
      async run(t) {
        const { world, writers, runId } = await raceOnNewRun(t, topology);
        const stepId = newStepId();
        expectOrderedLog(
          await expectWrittenOnce(world, writers, runId, () => ev.stepCreated(stepId)),
        );
      },
    },
    {
      name: named('duplicate wait_created: exactly one winner'),
      requires,
      async run(t) {
        const { world, writers, runId } = await raceOnNewRun(t, topology);
        const waitId = newWaitId();
        const resumeAt = new Date(Date.now() + 60_000);
        await expectWrittenOnce(world, writers, runId, () => ev.waitCreated(waitId, resumeAt));
      },
    },
    {
      name: named('duplicate hook_created with one hook id: exactly one winner, no hook_conflict'),
      requires,
      async run(t) {
        const { world, writers, runId } = await raceOnNewRun(t, topology);
        const hook = { hookId: newHookId(), token: newToken() };
        const created = () => ev.hookCreated(hook.hookId, hook.token);
        const log = await expectWrittenOnce(world, writers, runId, created);
        expect(countOf(log, 'hook_conflict'), 'a duplicate became a conflict with itself').toBe(0);
      },
    },
    {
      name: named('concurrent step_completed: exactly one winner'),
      requires,
      async run(t) {
        const stepId = newStepId();
        const { world, writers, runId } = await raceOnNewRun(t, topology, startedStep(stepId));
        await expectWrittenOnce(world, writers, runId, () => ev.stepCompleted(stepId));
      },
    },
    {
      name: named('step_completed racing step_failed: exactly one terminal step event'),
      requires,
      async run(t) {
        const stepId = newStepId();
        const { world, writers, runId } = await raceOnNewRun(t, topology, startedStep(stepId));
        expectOneWinner(
          await race(writers, (w, i) =>
            w(runId, i % 2 ? ev.stepFailed(stepId) : ev.stepCompleted(stepId)),
          ),
          'step completion',
        );
        const log = await allEvents(world, runId);
        expect(countOf(log, 'step_completed', stepId) + countOf(log, 'step_failed', stepId)).toBe(
          1,
        );
      },
    },
    {
      name: named('concurrent wait_completed: exactly one winner'),
      requires,
      async run(t) {
        const waitId = newWaitId();
        const before = [ev.waitCreated(waitId, new Date())];
        const { world, writers, runId } = await raceOnNewRun(t, topology, before);
        await expectWrittenOnce(world, writers, runId, () => ev.waitCompleted(waitId));
      },
    },
    {
      name: named('concurrent hook_disposed: exactly one winner'),
      requires,
      async run(t) {
        const hook = { hookId: newHookId(), token: newToken() };
        const before = [ev.hookCreated(hook.hookId, hook.token)];
        const { world, writers, runId } = await raceOnNewRun(t, topology, before);
        const disposed = () => ev.hookDisposed(hook.hookId, hook.token);
        await expectWrittenOnce(world, writers, runId, disposed, [
          'EntityConflictError',
          'HookNotFoundError',
        ]);
      },
    },
    {
      name: named('concurrent terminal run transitions: exactly one winner'),
      requires,
      async run(t) {
        const { world, writers, runId } = await raceOnNewRun(t, topology);
        const terminal = [ev.runCompleted(), ev.runFailed(), ev.runCancelled()];
        const results = await race(writers, (w, i) => w(runId, terminal[i % 3]!));
        const { winners } = outcomes(results);
        const log = await allEvents(world, runId);
        const terminalEvents = log.filter((e) =>
          ['run_completed', 'run_failed', 'run_cancelled'].includes(e.eventType),
        );
        expect(terminalEvents.length, 'exactly one terminal event').toBe(1);
        // An idempotent second cancel may succeed without appending; every success agrees.
        const status = (await world.runs.get(runId)).status;
        for (const winner of winners) {
          if (winner.value.event)
            expect(winner.value.event.eventId).toBe(terminalEvents[0]!.eventId);
          expect(winner.value.run?.status).toBe(status);
        }
      },
    },
    {
      name: named('one hook token claimed by N runs at once: exactly one owner'),
      requires,
      async run(t) {
        const world = await t.world();
        const writers = await writersFor(t, topology);
        const token = newToken();
        const runIds = await Promise.all(writers.map(() => createRun(world)));
        const results = await race(writers, (w, i) =>
          w(runIds[i]!, ev.hookCreated(newHookId(), token)),
        );
        const created = results.filter(
          (r) => r.status === 'fulfilled' && r.value.event?.eventType === 'hook_created',
        );
        const conflicts = results.filter(
          (r) => r.status === 'fulfilled' && r.value.event?.eventType === 'hook_conflict',
        );
        expect(created.length, 'exactly one run owns the token').toBe(1);
        expect(conflicts.length, 'every other claim is a hook_conflict event').toBe(
          writers.length - 1,
        );
        const owner = await world.hooks.getByToken(token);
        expect(runIds).toContain(owner.runId);
      },
    },
    {
      name: named(
        'N different writes to one run: all land, ids strictly increase, readers miss nothing',
      ),
      requires,
      async run(t) {
        const { world, writers, runId } = await raceOnNewRun(t, topology);
        const stepIds = writers.map(() => newStepId());
        // A reader tails the log with cursors while the writers race.
        const seen: Event[] = [];
        let cursor = (await world.events.list({ runId })).cursor!;
        let writing = true;
        const tail = (async () => {
          while (writing || seen.length < stepIds.length) {
            const page = await world.events.list({ runId, pagination: { cursor } });
            seen.push(...page.data);
            cursor = page.cursor ?? cursor;
            if (!writing && page.data.length === 0) break;
            if (page.data.length === 0) await sleep(2);
          }
        })();
        const results = await race(writers, (w, i) => w(runId, ev.stepCreated(stepIds[i]!)));
        writing = false;
        await tail;
        expect(outcomes(results).losers).toEqual([]);
        const log = await allEvents(world, runId);
        expectOrderedLog(log);
        expect(
          log
            .slice(2)
            .map((e) => e.correlationId)
            .sort(),
        ).toEqual([...stepIds].sort());
        expect(
          seen.map((e) => e.eventId),
          'a tailing reader missed or reordered events',
        ).toEqual(log.slice(2).map((e) => e.eventId));
      },
    },
  ];
}

export const concurrencyCases: ConformanceCase[] = [
  ...casesFor('one World'),
  ...casesFor('two World instances'),
  ...casesFor('separate processes'),
];
