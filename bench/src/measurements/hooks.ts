/**
 * Hook creation (`hook_created` on a pending run) and `hooks.getByToken` latency, on an empty
 * World and on one already holding many runs, each parked on a hook of its own — how a busy app's
 * data looks. A World whose hook path scans its data shows it as the second column growing.
 */
import { newId } from '@worldkit/world';
import type { OpenedWorld } from '../subjects/types.js';
import { createRun, forEachLimited } from '../workload.js';
import type { Measurement, MeasurementContext } from './types.js';
import { worldSession, worldsOnly } from './world-session.js';

let tokenCounter = 0;
const nextToken = () => `bench:order:${process.pid}:${tokenCounter++}`;

async function createHook(opened: OpenedWorld, runId: string, token: string) {
  const hookId = newId('hook');
  const result = await opened.world.events.create(runId, {
    eventType: 'hook_created',
    correlationId: hookId,
    specVersion: opened.specVersion,
    eventData: { token, isWebhook: false },
  } as any);
  if (result.event?.eventType === 'hook_conflict') throw new Error(`token ${token} conflicted`);
  return hookId;
}

/** Stores `runs` runs with a hook each, 32 writes in flight: a few seconds, not minutes. */
async function seed(opened: OpenedWorld, runs: number, context: MeasurementContext) {
  const started = performance.now();
  await forEachLimited(Array.from({ length: runs }), 32, async () => {
    await createHook(opened, await createRun(opened), nextToken());
  });
  context.note(`seeded ${runs} runs with hooks in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

function hookMeasurement(id: string, title: string, storedRuns: (context: MeasurementContext) => number): Measurement {
  return {
    id,
    title,
    metrics: [
      { id: 'create', title: 'hook_created', unit: 'ms', better: 'lower' },
      { id: 'getByToken', title: 'hooks.getByToken', unit: 'ms', better: 'lower' },
    ],
    notApplicable: worldsOnly,
    open: (subject, context) =>
      worldSession(subject, context, async (opened) => {
        const runs = storedRuns(context);
        if (runs > 0) await seed(opened, runs, context);
        return {
          async sample() {
            const create: number[] = [];
            const getByToken: number[] = [];
            for (let index = 0; index < context.scale.hookOpsPerRound; index++) {
              const runId = await createRun(opened);
              const token = nextToken();
              let started = performance.now();
              const hookId = await createHook(opened, runId, token);
              create.push(performance.now() - started);
              started = performance.now();
              const hook = await opened.world.hooks.getByToken(token);
              getByToken.push(performance.now() - started);
              if (hook.hookId !== hookId) throw new Error(`getByToken returned ${hook.hookId}`);
            }
            return { create, getByToken };
          },
        };
      }),
  };
}

export const hooksEmpty = hookMeasurement('hooks-0', 'hooks with 0 runs stored', () => 0);
export const hooksStored = hookMeasurement(
  'hooks-stored',
  'hooks with 10,000 runs stored',
  (context) => context.scale.storedRuns,
);
