import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectedTargets } from '../../e2e/src/harness/targets.js';
import type { BumpCounters } from '../src/harness/client.js';
import { RuntimeDeployment } from '../src/harness/deployment.js';
import { resumeWhenCreated } from '../src/harness/hooks.js';
import { waitForOutcomes } from '../src/harness/wait.js';

const RUNS = Number(process.env.E2E_5X_RACE_RUNS ?? 24);
const ROUNDS = 3;
const WIDTH = 5;

/** What `hookDuringSteps` returns when no payload or step result was lost or doubled. */
const expected = {
  payloads: (ROUNDS * (ROUNDS + 1)) / 2,
  squares: Array.from({ length: ROUNDS }, (_, round) =>
    Array.from({ length: WIDTH }, (_, index) => (round + index) ** 2).reduce((a, b) => a + b),
  ).reduce((a, b) => a + b),
};

function total(table: Record<string, number>): number {
  return Object.values(table).reduce((sum, count) => sum + count, 0);
}

function sumCounters(all: BumpCounters[]): BumpCounters {
  const sum: BumpCounters = {
    writesWithEventCount: {},
    bumps: {},
    skippedEvents: 0,
    foreignSkippedEvents: 0,
  };
  for (const counters of all) {
    for (const field of ['writesWithEventCount', 'bumps'] as const) {
      for (const [type, count] of Object.entries(counters[field])) {
        sum[field][type] = (sum[field][type] ?? 0) + count;
      }
    }
    sum.skippedEvents += counters.skippedEvents;
    sum.foreignSkippedEvents += counters.foreignSkippedEvents;
  }
  return sum;
}

for (const target of selectedTargets().filter((candidate) => candidate.multiProcess)) {
  describe(`workflow 5.0.0-beta.55 race on ${target.name}: hooks resumed while steps complete`, () => {
    let deployment: RuntimeDeployment;

    beforeAll(async () => {
      deployment = await RuntimeDeployment.create(target, 'race', {
        processes: 2,
        countBumps: true,
      });
    });
    afterAll(() => deployment?.close());

    it('reports the events a stale writer skipped, and no run fails or loses an event', async () => {
      const clients = deployment.clients;
      // Every run's hooks are resumed as soon as they exist, through the process that did not
      // start it, while the round's steps are running and completing.
      const runIds = await Promise.all(
        Array.from({ length: RUNS }, async (_, index) => {
          const token = `race-${randomUUID()}`;
          const runId = await clients[index % 2]!.start('hookDuringSteps', [token, ROUNDS, WIDTH]);
          for (let round = 0; round < ROUNDS; round++) {
            await resumeWhenCreated(clients[(index + 1) % 2]!, `${token}:${round}`, {
              value: round + 1,
            });
          }
          return runId;
        }),
      );
      const outcomes = await waitForOutcomes(clients[0]!, runIds);
      const counters = sumCounters(await Promise.all(clients.map((client) => client.bumps())));
      console.log(
        `[race] ${target.name}: ${RUNS} runs, ${outcomes.filter((o) => o.status === 'completed').length} completed; ` +
          `bumps reported ${total(counters.bumps)} (${JSON.stringify(counters.bumps)}) carrying ` +
          `${counters.skippedEvents} skipped events (${counters.foreignSkippedEvents} from other writers), ` +
          `of ${total(counters.writesWithEventCount)} ` +
          `writes naming a slot (${JSON.stringify(counters.writesWithEventCount)})`,
      );

      const wrong = outcomes.filter(
        (outcome) => outcome.status !== 'completed' || !isExpected(outcome.value),
      );
      expect(wrong).toEqual([]);
      expect(total(counters.bumps)).toBeGreaterThan(0);
    });
  });
}

function isExpected(value: unknown): boolean {
  return JSON.stringify(value) === JSON.stringify(expected);
}
