import { randomBytes } from 'node:crypto';
import { InvalidInputError } from '@worldkit/world';
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createWorld, type PostgresWorld } from '../src/index.js';
import { adminClient, DATABASE_URL, dropSchema, randomSchema } from './helpers.js';

const schema = randomSchema();
const world = createWorld({ connectionString: DATABASE_URL, schema });
const input = new Uint8Array([1, 2, 3]);
let admin: pg.Client;

beforeAll(async () => {
  admin = await adminClient();
  await world.migrate();
});

afterAll(async () => {
  await world.close();
  await admin.end();
  await dropSchema(schema);
});

afterEach(() => {
  vi.unstubAllEnvs();
});

async function createRun(): Promise<string> {
  const created = await world.events.create(null, {
    eventType: 'run_created',
    eventData: { deploymentId: 'd', workflowName: 'wf', input },
  });
  return created.run!.runId;
}

/** A running run with a step in flight, a live hook, a wait, a stream and a queued wake-up. */
async function busyRun(): Promise<{ runId: string; token: string; stream: string }> {
  const runId = await createRun();
  const token = `token_${randomBytes(6).toString('hex')}`;
  const stream = `stream_${randomBytes(6).toString('hex')}`;
  await world.events.create(runId, { eventType: 'run_started' });
  await world.events.create(runId, {
    eventType: 'step_created',
    correlationId: 'step_1',
    eventData: { stepName: 's', input },
  });
  await world.events.create(runId, { eventType: 'step_started', correlationId: 'step_1' });
  await world.events.create(runId, {
    eventType: 'hook_created',
    correlationId: 'hook_1',
    eventData: { token },
  });
  await world.events.create(runId, {
    eventType: 'wait_created',
    correlationId: 'wait_1',
    eventData: { resumeAt: new Date(Date.now() + 3_600_000) },
  });
  await world.writeToStream(stream, runId, new Uint8Array([7]));
  await world.writeToStream(stream, runId, new Uint8Array([8]));
  await world.closeStream(stream, runId);
  await world.queue('__wkf_workflow_wf', { runId }, { delaySeconds: 3600 });
  return { runId, token, stream };
}

type Ending = 'run_completed' | 'run_failed' | 'run_cancelled';

async function end(runId: string, ending: Ending = 'run_completed'): Promise<void> {
  await world.events.create(
    runId,
    ending === 'run_completed'
      ? { eventType: ending, eventData: { output: input } }
      : ending === 'run_failed'
        ? { eventType: ending, eventData: { error: { message: 'boom' } } }
        : { eventType: ending },
  );
}

/** Moves a finished run's completion back by `days`, as if it had finished then. */
async function finishedDaysAgo(runId: string, days: number): Promise<void> {
  await admin.query(
    `UPDATE "${schema}".runs SET completed_at = completed_at - make_interval(days => $2)
     WHERE run_id = $1`,
    [runId, days],
  );
}

/** Rows that belong to `runId`, per table, read from the tables themselves. */
async function rowsOf(runId: string): Promise<Record<string, number>> {
  const { rows } = await admin.query<Record<string, number>>(
    `SELECT
       (SELECT count(*)::int FROM "${schema}".runs WHERE run_id = $1) AS runs,
       (SELECT count(*)::int FROM "${schema}".events WHERE run_id = $1) AS events,
       (SELECT count(*)::int FROM "${schema}".steps WHERE run_id = $1) AS steps,
       (SELECT count(*)::int FROM "${schema}".hooks WHERE run_id = $1) AS hooks,
       (SELECT count(*)::int FROM "${schema}".waits WHERE run_id = $1) AS waits,
       (SELECT count(*)::int FROM "${schema}".streams WHERE run_id = $1) AS streams,
       (SELECT count(*)::int FROM "${schema}".messages WHERE run_id = $1) AS messages`,
    [runId],
  );
  return rows[0]!;
}

/** Chunks of `stream`, by name: they name no run. */
async function chunksOf(stream: string): Promise<number> {
  const { rows } = await admin.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM "${schema}".stream_chunks WHERE stream_name = $1`,
    [stream],
  );
  return rows[0]!.n;
}

/** rowsOf each run, one query at a time on the one admin connection. */
async function rowsOfEach(runIds: string[]): Promise<Record<string, number>[]> {
  const all: Record<string, number>[] = [];
  for (const runId of runIds) all.push(await rowsOf(runId));
  return all;
}

const NONE = {
  runs: 0,
  events: 0,
  steps: 0,
  hooks: 0,
  waits: 0,
  streams: 0,
  messages: 0,
};

describe('prune', () => {
  it.each<Ending>(['run_completed', 'run_failed', 'run_cancelled'])(
    'deletes a run ended by %s with every row it owns; its hook token can be claimed again',
    async (ending) => {
      const { runId, token, stream } = await busyRun();
      await end(runId, ending);
      await finishedDaysAgo(runId, 2);
      expect(await rowsOf(runId)).toMatchObject({ runs: 1, steps: 1, streams: 1, messages: 1 });
      expect((await rowsOf(runId)).events).toBeGreaterThan(5);
      expect(await chunksOf(stream)).toBe(2);

      const report = await world.prune({ olderThan: '1d' });

      expect(report).toMatchObject({ dryRun: false, runIds: [] });
      expect(report.runs).toBeGreaterThanOrEqual(1);
      expect(await rowsOf(runId)).toEqual(NONE);
      expect(await chunksOf(stream)).toBe(0);
      await expect(world.runs.get(runId)).rejects.toMatchObject({
        name: 'WorkflowRunNotFoundError',
      });
      expect((await world.events.list({ runId })).data).toEqual([]);
      expect(await world.listStreamsByRunId(runId)).toEqual([]);
      const next = await busyRun();
      const claimed = await world.events.create(next.runId, {
        eventType: 'hook_created',
        correlationId: 'hook_again',
        eventData: { token },
      });
      expect(claimed.event?.eventType).toBe('hook_created');
      await end(next.runId);
    },
  );

  it('keeps pending, running and waiting runs, and finished runs newer than the cutoff', async () => {
    const pending = await createRun();
    const running = await busyRun();
    const waiting = await busyRun();
    const recent = await busyRun();
    await end(recent.runId);
    const old = await busyRun();
    await end(old.runId);
    await finishedDaysAgo(old.runId, 10);
    // Ages that are not completion times must not count.
    await admin.query(
      `UPDATE "${schema}".runs SET created_at = created_at - interval '30 days',
         updated_at = updated_at - interval '30 days' WHERE run_id = ANY ($1)`,
      [[pending, running.runId, waiting.runId, recent.runId]],
    );
    const kept = [pending, running.runId, waiting.runId, recent.runId];
    const before = await rowsOfEach(kept);

    await world.prune({ olderThan: '1d' });

    expect(await rowsOf(old.runId)).toEqual(NONE);
    expect(await rowsOfEach(kept)).toEqual(before);
    expect((await world.runs.get(running.runId)).status).toBe('running');
    expect((await world.hooks.getByToken(waiting.token)).runId).toBe(waiting.runId);
    await Promise.all([pending, running.runId, waiting.runId].map((runId) => end(runId)));
  });

  it('with dryRun lists what would go, oldest first, and deletes nothing', async () => {
    // Finished long before anything else in the schema, so these are the oldest.
    const runIds = [await busyRun(), await busyRun(), await busyRun()].map((run) => run.runId);
    for (const [i, runId] of runIds.entries()) {
      await end(runId);
      await finishedDaysAgo(runId, 100 - i);
    }
    const before = await rowsOfEach(runIds);

    const all = await world.prune({ olderThan: '50d', dryRun: true });
    const two = await world.prune({ olderThan: '50d', dryRun: true, limit: 2 });

    expect(all).toMatchObject({ dryRun: true, runs: 3, runIds });
    expect(two).toMatchObject({ dryRun: true, runs: 2, runIds: runIds.slice(0, 2) });
    expect(await rowsOfEach(runIds)).toEqual(before);
    await world.prune({ olderThan: '50d' });
  });

  it('goes batch by batch until none are left, and stops at the limit, oldest first', async () => {
    const runIds: string[] = [];
    for (let i = 0; i < 7; i++) {
      const runId = await createRun();
      await end(runId, 'run_cancelled');
      await finishedDaysAgo(runId, 200 - i);
      runIds.push(runId);
    }

    const limited = await world.prune({ olderThan: '150d', batchSize: 2, limit: 3 });
    expect(limited.runs).toBe(3);
    for (const runId of runIds.slice(0, 3)) expect((await rowsOf(runId)).runs).toBe(0);
    for (const runId of runIds.slice(3)) expect((await rowsOf(runId)).runs).toBe(1);

    const rest = await world.prune({ olderThan: '150d', batchSize: 2 });
    expect(rest.runs).toBe(4);
    for (const runId of runIds) expect(await rowsOf(runId)).toEqual(NONE);
  });

  it.each([
    { olderThan: 'soon' },
    { olderThan: -1 },
    { olderThan: '1d', batchSize: 0 },
    { olderThan: '1d', limit: 1.5 },
  ])('refuses %o with an InvalidInputError and deletes nothing', async (options) => {
    const runId = await createRun();
    await end(runId);
    await finishedDaysAgo(runId, 365);
    await expect(world.prune(options)).rejects.toBeInstanceOf(InvalidInputError);
    expect((await rowsOf(runId)).runs).toBe(1);
    await world.prune({ olderThan: '300d' });
  });

  it('never leaves a run half deleted when a step finishes while the run is pruned', async () => {
    // Only this case's runs are finished in the schema, so the limit picks the first half.
    await world.prune({ olderThan: 0 });
    // A cancelled run's step still in flight may complete: the prune and the step_completed race
    // for the run's lock, over many runs at once so appends batch and prune batches interleave.
    const runIds: string[] = [];
    for (let i = 0; i < 24; i++) {
      const runId = await createRun();
      await world.events.create(runId, { eventType: 'run_started' });
      await world.events.create(runId, {
        eventType: 'step_created',
        correlationId: 'step_1',
        eventData: { stepName: 's', input },
      });
      await world.events.create(runId, { eventType: 'step_started', correlationId: 'step_1' });
      await end(runId, 'run_cancelled');
      runIds.push(runId);
    }

    const [report, ...appends] = await Promise.all([
      world.prune({ olderThan: 0, batchSize: 4, limit: 12 }),
      ...runIds.map((runId) =>
        world.events
          .create(runId, {
            eventType: 'step_completed',
            correlationId: 'step_1',
            eventData: { result: input },
          })
          .then(
            () => 'applied',
            (error: { name?: string }) => error.name,
          ),
      ),
    ]);

    expect(report.runs).toBe(12);
    for (const [i, runId] of runIds.entries()) {
      if (i < 12) {
        expect(await rowsOf(runId)).toEqual(NONE);
        // Completed before its run was pruned, or refused after: never written to a run half gone.
        expect(['applied', 'WorkflowRunNotFoundError']).toContain(appends[i]);
      } else {
        expect(appends[i]).toBe('applied');
        const events = await world.events.list({ runId });
        expect(events.data.map((e) => e.eventType).at(-1)).toBe('step_completed');
        expect((await world.steps.get(runId, 'step_1')).status).toBe('completed');
      }
    }
  });
});

describe('retention', () => {
  let background: PostgresWorld | undefined;
  afterEach(async () => {
    await background?.close();
    background = undefined;
  });

  async function prunedInBackground(runId: string): Promise<void> {
    await vi.waitFor(async () => expect((await rowsOf(runId)).runs).toBe(0), {
      timeout: 10_000,
      interval: 50,
    });
    expect(await rowsOf(runId)).toEqual(NONE);
  }

  it('prunes by the retention option once started', async () => {
    const { runId } = await busyRun();
    await end(runId);
    await finishedDaysAgo(runId, 8);
    background = createWorld({
      connectionString: DATABASE_URL,
      schema,
      recoverActiveRuns: false,
      retention: { olderThan: '7d' },
    });
    expect(background.capabilities.retention).toBe(true);
    await background.start();
    await prunedInBackground(runId);
  });

  it('takes its retention from WORKFLOW_RETENTION by default', async () => {
    const { runId } = await busyRun();
    await end(runId, 'run_failed');
    await finishedDaysAgo(runId, 8);
    vi.stubEnv('WORKFLOW_RETENTION', '7d');
    background = createWorld({ connectionString: DATABASE_URL, schema, recoverActiveRuns: false });
    await background.start();
    await prunedInBackground(runId);
  });
});
