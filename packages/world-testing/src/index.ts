/**
 * `@worldkit/world-testing`: the conformance suite every World passes, and the in-memory
 * reference World.
 */

export * from './memory.js';
export { describeWorldConformance } from './suite/describe.js';
export { allEvents } from './suite/fixtures.js';
export { checkRunInvariants, checkTokenInvariants, type RunView } from './suite/invariants.js';
export { describeModuleConformance, type ModuleTarget } from './suite/module-target.js';
export { type CaseResult, type RunCasesOptions, runConformanceCases } from './suite/runner.js';
export type { ConformanceModuleHooks } from './suite/types.js';
export {
  AREA_DESCRIPTIONS,
  AREAS,
  type ConformanceArea,
  type ConformanceBackend,
  type ConformanceOptions,
  type ConformanceScale,
  type ConformanceTaskMeta,
  type ConformanceTiming,
  DEFAULT_TIMING,
  type ProcessWorld,
} from './suite/types.js';
export { freePort } from './support/free-port.js';
export { type WaitForOptions, waitFor } from './support/wait-for.js';
