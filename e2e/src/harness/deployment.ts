import { AppProcess } from './app-process.js';
import type { Deployment, WorldTarget } from './targets.js';

/**
 * A World deployment under test: fresh isolated storage plus the app processes sharing it.
 * `close()` stops every process and removes the storage.
 */
export class TestDeployment {
  /** Deployments not closed yet, so an interrupted command can still clean up. */
  private static readonly open = new Set<TestDeployment>();

  readonly apps: AppProcess[] = [];

  private constructor(
    readonly target: WorldTarget,
    readonly label: string,
    private readonly deployment: Deployment,
    private readonly countRefusals: boolean,
  ) {}

  static async create(
    target: WorldTarget,
    label: string,
    { processes = 1, countRefusals = false }: { processes?: number; countRefusals?: boolean } = {},
  ): Promise<TestDeployment> {
    const deployment = new TestDeployment(
      target,
      label,
      await target.provision(label),
      countRefusals,
    );
    TestDeployment.open.add(deployment);
    try {
      // Started one after another: the first start may create the World's schema.
      for (let index = 0; index < processes; index++) await deployment.addApp();
    } catch (error) {
      await deployment.close();
      throw error;
    }
    return deployment;
  }

  get env(): Record<string, string> {
    return this.deployment.env;
  }

  get clients() {
    return this.apps.map((app) => app.client);
  }

  /** Starts one more app process on the same storage. */
  async addApp(): Promise<AppProcess> {
    const app = await AppProcess.start(this.target, {
      env: this.deployment.env,
      countRefusals: this.countRefusals,
      label: `${this.target.name}-${this.label}-${this.apps.length}`,
    });
    this.apps.push(app);
    return app;
  }

  /** Closes every deployment still open (for an interrupted command). */
  static async closeAll(): Promise<void> {
    await Promise.all([...TestDeployment.open].map((deployment) => deployment.close()));
  }

  async close(): Promise<void> {
    TestDeployment.open.delete(this);
    await Promise.all(this.apps.map((app) => app.stop()));
    await this.deployment.cleanup();
  }
}
