/**
 * What `--scale` measures on each seeded store and on the reference store beside it: the
 * default run's events.create, log load and queue measurements as they are, and two that need
 * the seeded data: the first page of runs.list with and without selective filters, and hook
 * lookups among the live hooks the store holds.
 */
import { appendConcurrentWriters, appendOneWriter } from '../measurements/append.js';
import { createHook, nextToken } from '../measurements/hooks.js';
import { loadEventLog } from '../measurements/load-log.js';
import { queueDelivery } from '../measurements/queue.js';
import type { Measurement, MetricSpec } from '../measurements/types.js';
import { worldSession, worldsOnly } from '../measurements/world-session.js';
import { createRun } from '../workload.js';
import { LIST_FILTERS } from './plan.js';
import type { StoredSubject } from './store.js';

const ms = (id: string, title: string): MetricSpec => ({ id, title, unit: 'ms', better: 'lower' });

const LISTS = [
  { metric: ms('all', 'unfiltered'), params: {} },
  {
    metric: ms('status', `status ${LIST_FILTERS.status} (5% of runs)`),
    params: { status: LIST_FILTERS.status },
  },
  {
    metric: ms('workflow', 'one workflow name (10% of runs)'),
    params: { workflowName: LIST_FILTERS.workflowName },
  },
];

/** The first page (the World's default of 100 runs, newest first), as a run list view asks. */
export const runsListFirstPage: Measurement = {
  id: 'runs-list',
  title: 'runs.list, first page',
  metrics: LISTS.map(({ metric }) => metric),
  notApplicable: worldsOnly,
  open: (subject, context) =>
    worldSession(subject, context, async (opened) => ({
      async sample() {
        const samples: Record<string, number[]> = {};
        for (const { metric, params } of LISTS) {
          samples[metric.id] = [];
          for (let index = 0; index < context.scale.loadsPerRound; index++) {
            const started = performance.now();
            const page = await opened.world.runs.list(params as any);
            samples[metric.id]!.push(performance.now() - started);
            const wrong = page.data.find((run: any) =>
              Object.entries(params).some(([field, value]) => run[field] !== value),
            );
            if (page.data.length === 0 || wrong) {
              throw new Error(`runs.list(${JSON.stringify(params)}) returned a wrong page`);
            }
          }
        }
        return samples;
      },
    })),
};

/**
 * `hooks.getByToken` of live hooks the store holds (each time a random one of the same number
 * on every store, spread over it), and `hook_created` on a new pending run, which checks the
 * token is free.
 */
export const liveHooks: Measurement = {
  id: 'hooks-live',
  title: 'hooks among the stored runs',
  metrics: [ms('getByToken', 'getByToken of a live hook'), ms('create', 'hook_created')],
  notApplicable: worldsOnly,
  open: (subject, context) =>
    worldSession(subject, context, async (opened) => {
      const tokens = (subject as StoredSubject).seeded.liveTokens;
      return {
        async sample() {
          const getByToken: number[] = [];
          const create: number[] = [];
          for (let index = 0; index < context.scale.hookOpsPerRound; index++) {
            const token = tokens[Math.floor(Math.random() * tokens.length)]!;
            let started = performance.now();
            const hook = await opened.world.hooks.getByToken(token);
            getByToken.push(performance.now() - started);
            if (hook.token !== token) throw new Error(`getByToken returned ${hook.token}`);
            const runId = await createRun(opened);
            started = performance.now();
            await createHook(opened, runId, nextToken());
            create.push(performance.now() - started);
          }
          return { getByToken, create };
        },
      };
    }),
};

/**
 * Every measurement of `--scale` on a store, in run and table order. Those that only read come
 * first: the runs the others write (large logs among them) are the newest in the store, which a
 * newest-first list would otherwise have to read past.
 */
export const GROWTH_MEASUREMENTS: Measurement[] = [
  runsListFirstPage,
  liveHooks,
  loadEventLog,
  queueDelivery,
  appendOneWriter,
  appendConcurrentWriters,
];
