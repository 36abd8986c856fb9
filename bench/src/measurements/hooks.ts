/**
 * Hook creation (`hook_created` on a pending run) and `hooks.getByToken` latency, on an empty
 * World and on one already holding many runs. A World whose hook path scans its data shows it as
 * the stored-runs row growing.
 *
 * The stored runs are seeded through the World's own API (`run_created`, 32 in flight), so every
 * World holds the same data in its own format. They carry no live hooks: seeding a hook per run
 * would cost a World that scans its whole event log on every hook creation (upstream local does)
 * hours, which is the very cost the timed operations already show. Each round times up to
 * `hookOpsPerRound` create+lookup pairs within `hookRoundBudgetMs` (at least one), so a World
 * that takes seconds per hook yields fewer samples instead of stalling the bench.
 */
import { newId } from '@worldkit/world';
import type { OpenedWorld } from '../subjects/types.js';
import { createRun, forEachLimited } from '../workload.js';
import type { Measurement, MeasurementContext } from './types.js';
import { worldSession, worldsOnly } from './world-session.js';

let tokenCounter = 0;
export const nextToken = () => `bench:order:${process.pid}:${tokenCounter++}`;

export async function createHook(opened: OpenedWorld, runId: string, token: string) {
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

async function seed(opened: OpenedWorld, runs: number, context: MeasurementContext) {
  const started = performance.now();
  await forEachLimited(Array.from({ length: runs }), 32, async () => {
    await createRun(opened);
  });
  context.note(`seeded ${runs} runs in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

function hookMeasurement(
  id: string,
  title: Measurement['title'],
  storedRuns: (context: MeasurementContext) => number,
): Measurement {
  return {
    id,
    title,
    metrics: [
      { id: 'create', title: 'hook_created', unit: 'ms', better: 'lower' },
      { id: 'getByToken', title: 'getByToken', unit: 'ms', better: 'lower' },
    ],
    parallelSetup: true,
    notApplicable: worldsOnly,
    open: (subject, context) =>
      worldSession(subject, context, async (opened) => {
        const runs = storedRuns(context);
        if (runs > 0) await seed(opened, runs, context);
        return {
          async sample() {
            const create: number[] = [];
            const getByToken: number[] = [];
            const deadline = performance.now() + context.scale.hookRoundBudgetMs;
            for (let index = 0; index < context.scale.hookOpsPerRound; index++) {
              if (index > 0 && performance.now() > deadline) break;
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

export const hooksEmpty = hookMeasurement('hooks-0', 'hooks, no runs stored', () => 0);
export const hooksStored = hookMeasurement(
  'hooks-stored',
  (scale) => `hooks, ${scale.storedRuns.toLocaleString('en-US')} runs stored`,
  (context) => context.scale.storedRuns,
);
