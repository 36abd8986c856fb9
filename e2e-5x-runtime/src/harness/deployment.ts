import { face5xUrl } from '../../../e2e/src/harness/face-5x.js';
import type { Deployment, WorldTarget } from '../../../e2e/src/harness/targets.js';
import { AppProcess } from './app-process.js';
import { bumpCountingWorldEntry } from './paths.js';
import { waitForOutcomes } from './wait.js';

/** The spec version the apps' World declares: the 5.x face's default, named for the record. */
export const SPEC_VERSION = 7;

/** How long a one-step run may take before the World is taken not to serve the runtime. */
const PREFLIGHT_TIMEOUT_MS = 30_000;

export interface DeploymentOptions {
  /** App processes sharing the World's storage. */
  processes?: number;
  /** Load the World through the bump-counting wrapper instead of directly. */
  countBumps?: boolean;
  /**
   * The World the runtime loads (a WORKFLOW_TARGET_WORLD value): by default the 5.x face of
   * `target`'s Worldkit package; a benchmark names an upstream World here.
   */
  worldModule?: string;
}

/** The env that selects `world` for the runtime, directly or counted. */
function worldSelectionEnv(world: string, countBumps: boolean): Record<string, string> {
  return {
    WORKFLOW_SPEC_VERSION: String(SPEC_VERSION),
    ...(countBumps
      ? { WORKFLOW_TARGET_WORLD: bumpCountingWorldEntry, E2E_5X_COUNTED_WORLD: world }
      : { WORKFLOW_TARGET_WORLD: world }),
  };
}

/**
 * A World deployment under test: fresh isolated storage (e2e's targets provision it) and the app
 * processes sharing it. `close()` stops every process and removes the storage.
 */
export class RuntimeDeployment {
  private constructor(
    private readonly storage: Deployment,
    readonly apps: AppProcess[],
  ) {}

  static async create(
    target: Pick<WorldTarget, 'name' | 'module' | 'provision'>,
    label: string,
    { processes = 1, countBumps = false, worldModule }: DeploymentOptions = {},
  ): Promise<RuntimeDeployment> {
    const world = worldModule ?? face5xUrl(target);
    const storage = await target.provision(`5x-${label}`);
    const deployment = new RuntimeDeployment(storage, []);
    const env = { ...storage.env, ...worldSelectionEnv(world, countBumps) };
    try {
      // One after another: the first start may create the World's schema.
      for (let index = 0; index < processes; index++) {
        deployment.apps.push(await AppProcess.start(`${target.name}-${label}-${index}`, env));
      }
      await deployment.assertServesOneStep(target);
    } catch (error) {
      await deployment.close();
      throw error;
    }
    return deployment;
  }

  /**
   * Fails at once, with the app's log, when the World cannot serve the runtime at all (say, it
   * hands out event ids the runtime cannot read: the runtime then retries the run forever), so
   * the tests fail on that rather than each waiting out its own timeout.
   */
  private async assertServesOneStep(target: Pick<WorldTarget, 'name'>): Promise<void> {
    const [app] = this.apps;
    try {
      const runId = await app!.client.start('sequentialSteps', [1]);
      const [outcome] = await waitForOutcomes(app!.client, [runId], PREFLIGHT_TIMEOUT_MS);
      if (outcome!.value !== 'a') throw new Error(`it returned ${JSON.stringify(outcome)}`);
    } catch (error) {
      throw new Error(
        `${target.name} does not serve a one-step run of the 5.x runtime ` +
          `(${(error as Error).message}); app log:\n${app!.logTail()}`,
      );
    }
  }

  get clients() {
    return this.apps.map((app) => app.client);
  }

  /** What configures the World's storage (its data directory, schema or key prefix). */
  get storageEnv(): Record<string, string> {
    return this.storage.env;
  }

  async close(): Promise<void> {
    await Promise.all(this.apps.map((app) => app.stop()));
    await this.storage.cleanup();
  }
}
