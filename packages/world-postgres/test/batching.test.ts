import { afterAll, describe, expect, it } from 'vitest';
import { createWorld } from '../src/index.js';
import { DATABASE_URL, dropSchema, randomSchema } from './helpers.js';

/**
 * With one statement in flight, concurrent appends go out in batches: each append is still
 * decided on its own (conflicts, fences and refusals hit only their own append), appends to one
 * run keep their order, and every run's log stays strictly increasing.
 */

const schema = randomSchema();
const world = createWorld({ connectionString: DATABASE_URL, schema, appendConcurrency: 1 });
const input = new Uint8Array([1, 2, 3]);

afterAll(async () => {
  await world.close();
  await dropSchema(schema);
});

describe('batched appends', () => {
  it('decides each append of a batch on its own', async () => {
    const runIds = Array.from({ length: 6 }, (_, i) => `wrun_batch_${i}`);
    await Promise.all(
      runIds.map((runId) =>
        world.events.create(runId, {
          eventType: 'run_created',
          eventData: { deploymentId: 'd', workflowName: 'w', input },
        }),
      ),
    );
    // Every run gets the same step created three times at once, plus appends that must fail.
    const outcomes = await Promise.all(
      runIds.flatMap((runId) => [
        ...[0, 1, 2].map(() =>
          world.events
            .create(runId, {
              eventType: 'step_created',
              correlationId: 'step_a',
              eventData: { stepName: 's', input },
            })
            .then(
              () => 'created',
              (error: { name: string; code?: string }) => `${error.name}/${error.code}`,
            ),
        ),
        world.events
          .create(runId, {
            eventType: 'hook_received',
            correlationId: 'hook_none',
            eventData: { payload: input },
          })
          .then(
            () => 'received',
            (error: { name: string }) => error.name,
          ),
        // PostgreSQL refuses this text (a NUL character): the batch holding it fails as a whole
        // on the server and is sent again one append at a time, so only this append fails.
        world.events
          .create(runId, {
            eventType: 'hook_created',
            correlationId: 'hook_nul',
            eventData: { token: `bad\u0000token_${runId}` },
          })
          .then(
            () => 'created',
            (error: { name: string; status?: number }) => `${error.name}/${error.status}`,
          ),
      ]),
    );
    for (let run = 0; run < runIds.length; run++) {
      const mine = outcomes.slice(run * 5, run * 5 + 5);
      expect(mine.slice(0, 3).sort()).toEqual([
        'EntityConflictError/CONFLICT',
        'EntityConflictError/CONFLICT',
        'created',
      ]);
      expect(mine[3]).toBe('HookNotFoundError');
      expect(mine[4]).toBe('WorkflowWorldError/400');
    }
    const nulLogs = await world.events.listByCorrelationId({ correlationId: 'hook_nul' });
    expect(nulLogs.data).toHaveLength(0);

    // Fenced writers racing on one run: exactly one wins each round.
    const runId = runIds[0]!;
    for (let round = 0; round < 3; round++) {
      const { data } = await world.events.list({ runId });
      const fence = data.at(-1)!.eventId;
      const results = await Promise.allSettled(
        Array.from({ length: 5 }, (_, writer) =>
          world.events.create(
            runId,
            {
              eventType: 'step_created',
              correlationId: `step_r${round}_w${writer}`,
              eventData: { stepName: 's', input },
            },
            { lastKnownEventId: fence },
          ),
        ),
      );
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      for (const result of results) {
        if (result.status === 'rejected') {
          expect(result.reason).toMatchObject({
            name: 'EntityConflictError',
            code: 'FENCE_CONFLICT',
          });
        }
      }
    }

    for (const id of runIds) {
      const ids = (await world.events.list({ runId: id })).data.map((event) => event.eventId);
      expect([...ids].sort()).toEqual(ids);
      expect(new Set(ids).size).toBe(ids.length);
    }
  });
});
