/**
 * The real runtime through its app: `workflow` 4.8.9 (the e2e app) for the 4.x line's subjects,
 * `workflow` 5.0.0-beta.55 (the e2e-5x-runtime app) for the 5.x line's. Each World runs in its
 * own app process (started as a user would, WORKFLOW_TARGET_WORLD selecting it), and every round
 * times each of the app's benchmark scenarios once — one step, 10 sequential steps, Promise.all of
 * 10, a hook round trip, 20 concurrent runs — from `start()` to the observed result.
 * A run the World breaks (the runtime fails it) is counted as a failure of that scenario.
 */
import type { Line, RuntimeTarget, WorldSubject } from '../subjects/types.js';
import type { Measurement, MetricSpec, Session } from './types.js';

interface E2eScenario {
  name: string;
  run(client: unknown): Promise<number>;
}

export interface RunResult {
  status: string;
  output?: unknown;
  errorMessage?: string;
}

/** The programmatic API both apps export (`e2e` and `e2e-5x-runtime`), as used here. */
export interface E2eApi {
  ensureWorkflowsBuilt(): void | Promise<void>;
  TestDeployment: {
    create(
      target: RuntimeTarget,
      label: string,
    ): Promise<{ clients: unknown[]; close(): Promise<void> }>;
  };
  benchmarkScenarios: E2eScenario[];
  waitForResult(client: unknown, runId: string): Promise<RunResult>;
}

/** One timed iteration of a workload on the e2e app, and the metric it becomes. */
export interface RuntimeScenario {
  metric: MetricSpec;
  /** Runs the workload once, checks its result, and returns the elapsed milliseconds. */
  run(api: E2eApi, client: unknown): Promise<number>;
  /** Metrics computed from the same elapsed time (e.g. milliseconds per step). */
  derived?: Array<{ metric: MetricSpec; of(elapsed: number): number }>;
}

/** One of the e2e app's own benchmark scenarios, by name. */
const e2eScenario = (scenario: string, metric: MetricSpec): RuntimeScenario => ({
  metric,
  run(api, client) {
    const found = api.benchmarkScenarios.find((candidate) => candidate.name === scenario);
    if (!found) throw new Error(`the e2e app has no "${scenario}" scenario`);
    return found.run(client);
  },
});

const SCENARIOS: RuntimeScenario[] = [
  e2eScenario('one step', { id: 'one-step', title: '1 step', unit: 'ms', better: 'lower' }),
  e2eScenario('10 sequential steps', {
    id: 'sequential-10',
    title: '10 sequential steps',
    unit: 'ms',
    better: 'lower',
  }),
  e2eScenario('Promise.all of 10 steps', {
    id: 'parallel-10',
    title: 'Promise.all of 10 steps',
    unit: 'ms',
    better: 'lower',
  }),
  e2eScenario('hook round trip', {
    id: 'hook-round-trip',
    title: 'hook round trip',
    unit: 'ms',
    better: 'lower',
  }),
  e2eScenario('20 concurrent runs', {
    id: 'concurrent-20',
    title: '20 concurrent runs',
    unit: 'ms',
    better: 'lower',
  }),
];

const APP_PACKAGES: Record<Line, string> = { '4.x': 'e2e', '5.x': 'e2e-5x-runtime' };
const apps = new Map<Line, Promise<E2eApi>>();

/** The app harness of `line`, its workflows built once; unavailable until it is installed here. */
export function loadE2e(line: Line = '4.x'): Promise<E2eApi> {
  let app = apps.get(line);
  if (!app) {
    app = (async () => {
      const specifier = APP_PACKAGES[line];
      let api: E2eApi;
      try {
        api = (await import(specifier)) as E2eApi;
      } catch (error) {
        throw new Error(`the ${specifier} app is not installed (${(error as Error).message})`);
      }
      await api.ensureWorkflowsBuilt();
      return api;
    })();
    apps.set(line, app);
  }
  return app;
}

/**
 * A measurement of `scenarios` through the real runtime: an app process per World, each round
 * one iteration of every scenario. A scenario that fails is recorded as a failure of its metric.
 */
export function runtimeMeasurement(
  id: string,
  title: string,
  scenarios: RuntimeScenario[],
): Measurement {
  return {
    id,
    title,
    // Derived metrics after all timed ones, so they read as one series (time per step by count).
    metrics: [
      ...scenarios.map(({ metric }) => metric),
      ...scenarios.flatMap(({ derived = [] }) => derived.map((entry) => entry.metric)),
    ],
    notApplicable: (subject) =>
      subject.kind === 'world' && subject.runtime ? undefined : 'not loadable by the runtime here',
    async open(subject, context): Promise<Session> {
      const world = subject as WorldSubject;
      const api = await loadE2e(world.line);
      const target = world.runtime!;
      const deployment = await api.TestDeployment.create(target, context.label);
      const client = deployment.clients[0];
      const failures = new Map<string, string[]>();
      return {
        failures,
        async sample() {
          const samples: Record<string, number[]> = {};
          for (const { metric, run, derived = [] } of scenarios) {
            try {
              const elapsed = await run(api, client);
              samples[metric.id] = [elapsed];
              for (const entry of derived) samples[entry.metric.id] = [entry.of(elapsed)];
            } catch (error) {
              const messages = failures.get(metric.id) ?? [];
              messages.push((error as Error).message.slice(0, 300));
              failures.set(metric.id, messages);
            }
          }
          return samples;
        },
        close: () => deployment.close(),
      };
    },
  };
}

export const runtimeScenarios = runtimeMeasurement('runtime', 'runtime', SCENARIOS);
