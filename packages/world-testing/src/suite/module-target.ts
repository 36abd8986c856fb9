import { factoryOf } from '../child/load-world.js';
import { describeWorldConformance } from './describe.js';
import type {
  ConformanceArea,
  ConformanceBackend,
  ConformanceModuleHooks,
  ConformanceOptions,
} from './types.js';

export interface ModuleTarget {
  /** Shown in test names. */
  name: string;
  /** The module's resolved path or package name, for child processes. */
  module: string;
  /** The factory export (default `createWorld`, then a default function). */
  exportName?: string;
  areas?: readonly ConformanceArea[];
  scale?: ConformanceOptions['scale'];
}

/**
 * Registers the suite for an imported World module, as the CLI does: the module's own
 * `conformance.setup` when it exports one, else its factory called with the suite's timing over
 * one shared backend. Child processes open the same module.
 */
export function describeModuleConformance(
  mod: Record<string, unknown>,
  target: ModuleTarget,
): void {
  const hooks = mod.conformance as ConformanceModuleHooks | undefined;
  const processWorld = {
    module: target.module,
    ...(target.exportName === undefined ? {} : { exportName: target.exportName }),
  };
  describeWorldConformance({
    name: target.name,
    ...(target.areas === undefined ? {} : { areas: target.areas }),
    ...(target.scale === undefined ? {} : { scale: target.scale }),
    async setup(area): Promise<ConformanceBackend> {
      if (typeof hooks?.setup === 'function') {
        const backend = await hooks.setup(area);
        return { processWorld, ...backend };
      }
      const factory = factoryOf(mod, target.exportName);
      return { createWorld: (timing) => factory(timing), processWorld };
    },
  });
}
