/**
 * The real runtime (`workflow` 4.8.9) through the e2e app: each World runs in its own app
 * process (started as a user would, WORKFLOW_TARGET_WORLD selecting it), and every round times
 * each e2e benchmark scenario once — one step, 10 sequential steps, Promise.all of 10, a hook
 * round trip, 20 concurrent runs — from `start()` to the observed result.
 * A run the World breaks (the runtime fails it) is counted as a failure of that scenario.
 */
import type { RuntimeTarget, WorldSubject } from '../subjects/types.js';
import type { Measurement, MetricSpec, Session } from './types.js';

interface E2eScenario {
  name: string;
  run(client: unknown): Promise<number>;
}

interface E2eApi {
  ensureWorkflowsBuilt(): void | Promise<void>;
  TestDeployment: {
    create(
      target: RuntimeTarget,
      label: string,
    ): Promise<{ clients: unknown[]; close(): Promise<void> }>;
  };
  benchmarkScenarios: E2eScenario[];
}

/** The e2e scenarios by name, and the metric each becomes. */
const SCENARIOS: Array<{ scenario: string; metric: MetricSpec }> = [
  {
    scenario: 'one step',
    metric: { id: 'one-step', title: '1 step', unit: 'ms', better: 'lower' },
  },
  {
    scenario: '10 sequential steps',
    metric: { id: 'sequential-10', title: '10 sequential steps', unit: 'ms', better: 'lower' },
  },
  {
    scenario: 'Promise.all of 10 steps',
    metric: { id: 'parallel-10', title: 'Promise.all of 10 steps', unit: 'ms', better: 'lower' },
  },
  {
    scenario: 'hook round trip',
    metric: { id: 'hook-round-trip', title: 'hook round trip', unit: 'ms', better: 'lower' },
  },
  {
    scenario: '20 concurrent runs',
    metric: { id: 'concurrent-20', title: '20 concurrent runs', unit: 'ms', better: 'lower' },
  },
];

let e2e: Promise<E2eApi> | undefined;

/** The e2e harness, built once; unavailable until the e2e package is installed here. */
export function loadE2e(): Promise<E2eApi> {
  e2e ??= (async () => {
    const specifier = 'e2e';
    let api: E2eApi;
    try {
      api = (await import(specifier)) as E2eApi;
    } catch (error) {
      throw new Error(`the e2e app is not installed (${(error as Error).message})`);
    }
    await api.ensureWorkflowsBuilt();
    return api;
  })();
  return e2e;
}

export const runtimeScenarios: Measurement = {
  id: 'runtime',
  title: 'runtime',
  metrics: SCENARIOS.map(({ metric }) => metric),
  notApplicable: (subject) =>
    subject.kind === 'world' && subject.runtime ? undefined : 'not loadable by the runtime here',
  async open(subject, context): Promise<Session> {
    const api = await loadE2e();
    const target = (subject as WorldSubject).runtime!;
    const deployment = await api.TestDeployment.create(target, context.label);
    const client = deployment.clients[0];
    const failures = new Map<string, string[]>();
    return {
      failures,
      async sample() {
        const samples: Record<string, number[]> = {};
        for (const { scenario, metric } of SCENARIOS) {
          const found = api.benchmarkScenarios.find((candidate) => candidate.name === scenario);
          if (!found) throw new Error(`the e2e app has no "${scenario}" scenario`);
          try {
            samples[metric.id] = [await found.run(client)];
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
