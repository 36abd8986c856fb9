import type { World, WorldCapabilities } from '@worldkit/world';

/** The areas of the suite, in the order they run. */
export const AREAS = [
  'lifecycle',
  'storage',
  'transitions',
  'fences',
  'concurrency',
  'model',
  'queue',
  'streams',
  'durability',
  'retention',
  'input',
  'clients',
  'line5x',
  'batches',
] as const;
export type ConformanceArea = (typeof AREAS)[number];

export const AREA_DESCRIPTIONS: Record<ConformanceArea, string> = {
  lifecycle: 'factory, specVersion, capabilities, start/close idempotence, detached handler',
  storage: 'every read, resolveData, pagination, filters, not-found errors, bytes and dates',
  transitions: 'one case per rule of the reference state machine, rejected writes leave nothing',
  fences: 'lastKnownEventId and stateUpdatedAt refuse stale writes, and fire under a real race',
  concurrency: 'N writers on one World, on two instances and in separate processes',
  model: 'random histories compared with the reference World, plus log invariants',
  queue: 'delivery over HTTP, redelivery, attempts past 48, dedup, restart, dead consumers',
  streams: 'indices, live tail, start offsets, info, chunk pages, close',
  durability: 'close and reopen: nothing acknowledged is lost',
  retention:
    'prune() deletes finished runs whole and only them: dry runs, limits, batches, racing readers and writers',
  input: 'malformed input on every write path: a typed error and nothing written',
  clients: "every call of the SDK's CLI and web UI, with the parameters they send",
  line5x:
    'the 5.x line: slot-numbered event ids per run, bump and report under races, the streams namespace',
  batches:
    'events.createBatch: consecutive slots, the born-running pair, per-event refusals, whole-batch refusals, races',
};

/**
 * Queue and polling timings the suite asks the World to use so that retries, leases and polls
 * happen in milliseconds rather than seconds. Passed to `createWorld`; map them to your
 * factory's options.
 */
export interface ConformanceTiming {
  /** Wait before redelivering a message whose handler failed (the suite drives 50 attempts). */
  retryDelayMs: number;
  /** How long an unacknowledged in-flight message stays leased to a consumer that stopped renewing. */
  leaseMs: number;
  /** Interval of any polling loop (queue consumers, stream tails). */
  pollIntervalMs: number;
}

export const DEFAULT_TIMING: ConformanceTiming = {
  retryDelayMs: 10,
  leaseMs: 1500,
  pollIntervalMs: 50,
};

/** How a child process opens a World over the same backend, for the multi-process cases. */
export interface ProcessWorld {
  /** A module path (absolute, or relative to the current directory) or a package name. */
  module: string;
  /** The factory export to call with the timing; default `createWorld`, then `default`. */
  exportName?: string;
  /** Extra environment of the child (connection strings, schema, prefix, data directory). */
  env?: Record<string, string>;
}

/** One isolated backend (a schema, a key prefix, a temporary directory) and how to open it. */
export interface ConformanceBackend {
  /** A new World instance over this backend. The suite calls it many times and closes each one. */
  createWorld(timing: ConformanceTiming): World | Promise<World>;
  /** Required when the World declares `multiProcess`. */
  processWorld?: ProcessWorld;
  /** Called once the area is done, after every World it opened was closed. */
  teardown?(): Promise<void> | void;
}

export interface ConformanceScale {
  /** Random histories per model-based case (env `WORLDKIT_CONFORMANCE_MODEL_RUNS`, default 3). */
  modelRuns: number;
  /** Operations per history (env `WORLDKIT_CONFORMANCE_MODEL_COMMANDS`, default 300). */
  modelCommands: number;
  /** Concurrent writers per concurrency case (env `WORLDKIT_CONFORMANCE_WRITERS`, default 8). */
  writers: number;
  /** Seed of the model-based cases (env `WORLDKIT_CONFORMANCE_SEED`; random when unset). */
  seed: number | undefined;
  /**
   * How long a failing model-based case may shrink its counterexample, in ms (env
   * `WORLDKIT_CONFORMANCE_SHRINK_MS`, default 45 000); each step replays a history.
   */
  shrinkBudgetMs: number;
}

export interface ConformanceOptions {
  /** Shown in every test name: `conformance(<name>) › <area> › <case>`. */
  name: string;
  /**
   * Makes a fresh backend for one area (called once per area, in `beforeAll`). Cases use unique
   * run ids, workflow names and tokens, so a shared backend works too.
   */
  setup(area: ConformanceArea): ConformanceBackend | Promise<ConformanceBackend>;
  /** Only these areas (default: all, or env `WORLDKIT_CONFORMANCE_AREAS=storage,queue`). */
  areas?: readonly ConformanceArea[];
  timing?: Partial<ConformanceTiming>;
  scale?: Partial<ConformanceScale>;
  /** Per-case timeout in ms (default 30 000; the model and queue areas take longer cases). */
  timeoutMs?: number;
}

/**
 * Optional export `conformance` of a World module checked by the CLI: how to make an isolated
 * backend per area. Without it the CLI calls the module's factory with the suite's timing, over
 * one shared backend.
 */
export interface ConformanceModuleHooks {
  setup(area: ConformanceArea): ConformanceBackend | Promise<ConformanceBackend>;
}

/** Capabilities of a World that declares none: every guarantee is treated as absent. */
export const NO_CAPABILITIES: WorldCapabilities = {
  lastKnownEventIdFence: false,
  stateUpdatedAtGuard: false,
  durableQueue: false,
  durableStorage: false,
  multiProcess: false,
};

/** What the suite attaches to each test for reporters (`task.meta.worldkit`). */
export interface ConformanceTaskMeta {
  area: ConformanceArea;
  /** Set when the case was not applicable: the capabilities it needs and the World lacks. */
  notApplicable?: (keyof WorldCapabilities)[];
}
