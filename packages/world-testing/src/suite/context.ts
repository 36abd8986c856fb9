import type { World, WorldCapabilities } from '@worldkit/world';
import { spawnWorldProcess, type WorldProcess } from '../child/client.js';
import { QueueApp } from './queue-server.js';
import {
  type ConformanceArea,
  type ConformanceBackend,
  type ConformanceScale,
  type ConformanceTiming,
  NO_CAPABILITIES,
  type ProcessWorld,
} from './types.js';

/** One case of an area. */
export interface ConformanceCase {
  name: string;
  /** Capabilities the case needs; without them it is reported as not applicable. */
  requires?: (keyof WorldCapabilities)[];
  /** Overrides the suite's per-case timeout. */
  timeoutMs?: number;
  run(t: CaseContext): Promise<void>;
}

/** The state of one area: its backend, its queue app, the capabilities the World declares. */
export class AreaState {
  backend: ConformanceBackend | undefined;
  capabilities: WorldCapabilities = NO_CAPABILITIES;
  /** Whether `createWorld` returned a World rather than a promise of one. */
  createdSynchronously = true;
  queueApp: QueueApp | undefined;
  /**
   * Child processes a finished case left alive, reused by the next case of the area: starting
   * one (a Node process importing the World) costs far more than most cases.
   */
  readonly idleProcesses: WorldProcess[] = [];
  private previousBaseUrl: string | undefined;

  constructor(
    readonly area: ConformanceArea,
    readonly timing: ConformanceTiming,
    readonly scale: ConformanceScale,
    private readonly setup: (
      area: ConformanceArea,
    ) => ConformanceBackend | Promise<ConformanceBackend>,
  ) {}

  async open(): Promise<void> {
    if (this.area === 'queue' || this.area === 'durability') {
      // The World learns where to deliver from WORKFLOW_LOCAL_BASE_URL, read at delivery time.
      this.queueApp = new QueueApp();
      this.previousBaseUrl = process.env.WORKFLOW_LOCAL_BASE_URL;
      process.env.WORKFLOW_LOCAL_BASE_URL = await this.queueApp.start();
    }
    this.backend = await this.setup(this.area);
    const created = this.backend.createWorld(this.timing);
    this.createdSynchronously = typeof (created as { then?: unknown }).then !== 'function';
    const probe = await created;
    try {
      this.capabilities = { ...NO_CAPABILITIES, ...probe.capabilities };
    } finally {
      await probe.close?.();
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.idleProcesses.splice(0).map((child) => child.close()));
    await this.backend?.teardown?.();
    if (this.queueApp !== undefined) {
      await this.queueApp.stop();
      if (this.previousBaseUrl === undefined) delete process.env.WORKFLOW_LOCAL_BASE_URL;
      else process.env.WORKFLOW_LOCAL_BASE_URL = this.previousBaseUrl;
    }
  }
}

/** What a case gets: World instances over the area's backend, processes, the queue app. */
export class CaseContext {
  private readonly worlds: World[] = [];
  private readonly processes: WorldProcess[] = [];
  private readonly startedProcesses = new Set<WorldProcess>();
  private first: World | undefined;

  constructor(private readonly state: AreaState) {}

  get capabilities(): WorldCapabilities {
    return this.state.capabilities;
  }

  /** Whether the backend's `createWorld` returned a World rather than a promise. */
  get createdSynchronously(): boolean {
    return this.state.createdSynchronously;
  }

  get timing(): ConformanceTiming {
    return this.state.timing;
  }

  get scale(): ConformanceScale {
    return this.state.scale;
  }

  /** The case's World instance (opened on first use, closed after the case). */
  async world(): Promise<World> {
    this.first ??= await this.openWorld();
    return this.first;
  }

  /** Another World instance over the same backend. */
  async openWorld(): Promise<World> {
    const world = await this.state.backend!.createWorld(this.state.timing);
    this.worlds.push(world);
    return world;
  }

  /** Closes a World opened by this case (and forgets it, so it is not closed twice). */
  async closeWorld(world: World): Promise<void> {
    const index = this.worlds.indexOf(world);
    if (index >= 0) this.worlds.splice(index, 1);
    if (this.first === world) this.first = undefined;
    await world.close?.();
  }

  /**
   * A child process with a World over the same backend; an idle one from an earlier case of the
   * area when there is one (`fresh` for a process whose World has not been started).
   */
  async spawnProcess(options: { fresh?: boolean } = {}): Promise<WorldProcess> {
    const idle = options.fresh ? undefined : this.state.idleProcesses.shift();
    if (idle?.alive) {
      this.processes.push(idle);
      return idle;
    }
    const target: ProcessWorld | undefined = this.state.backend!.processWorld;
    if (target === undefined) {
      throw new Error(
        'the World declares multiProcess, but setup() returned no processWorld: say which module and env a child process opens',
      );
    }
    const child = await spawnWorldProcess(target, this.state.timing, {
      ...(process.env.WORKFLOW_LOCAL_BASE_URL === undefined
        ? {}
        : { WORKFLOW_LOCAL_BASE_URL: process.env.WORKFLOW_LOCAL_BASE_URL }),
    });
    this.processes.push(child);
    return child;
  }

  /** Starts the child's World consumers; such a child is not reused by later cases. */
  async startProcess(child: WorldProcess): Promise<void> {
    this.startedProcesses.add(child);
    await child.call('start');
  }

  /** The app that serves the queue routes (queue and durability areas). */
  get queueApp(): QueueApp {
    if (this.state.queueApp === undefined) throw new Error('no queue app in this area');
    return this.state.queueApp;
  }

  async dispose(): Promise<void> {
    // Live children go back to the area's pool, except those whose World was started.
    for (const child of this.processes) {
      if (child.alive && !this.startedProcesses.has(child)) this.state.idleProcesses.push(child);
    }
    const results = await Promise.allSettled([
      ...this.processes
        .filter((child) => this.startedProcesses.has(child))
        .map((child) => child.close()),
      ...this.worlds.map((world) => world.close?.()),
    ]);
    this.worlds.length = 0;
    this.processes.length = 0;
    this.startedProcesses.clear();
    this.first = undefined;
    const failed = results.find((result) => result.status === 'rejected');
    if (failed) throw new Error(`close() failed: ${(failed as PromiseRejectedResult).reason}`);
  }
}
