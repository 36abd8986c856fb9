import { afterAll, afterEach, beforeAll, describe, test } from 'vitest';
import { CASES } from './areas/index.js';
import { AreaState, CaseContext } from './context.js';
import { missingCapabilities, notApplicableNote } from './runner.js';
import { DEFAULT_TIMEOUT_MS, resolveAreas, resolveScale } from './scale.js';
import { type ConformanceOptions, type ConformanceTaskMeta, DEFAULT_TIMING } from './types.js';

/**
 * Registers the conformance suite for one World in the calling vitest file:
 * `conformance(<name>)` › `<area>` › `<case>`. Each area gets its own backend from `setup`.
 */
export function describeWorldConformance(options: ConformanceOptions): void {
  const timing = { ...DEFAULT_TIMING, ...options.timing };
  const scale = resolveScale(options.scale);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  describe(`conformance(${options.name})`, () => {
    for (const area of resolveAreas(options.areas)) {
      describe(area, () => {
        const state = new AreaState(area, timing, scale, options.setup);
        let context: CaseContext | undefined;

        beforeAll(() => state.open(), timeoutMs);
        afterEach(async () => {
          const finished = context;
          context = undefined;
          await finished?.dispose();
        }, timeoutMs);
        afterAll(() => state.close(), timeoutMs);

        for (const conformanceCase of CASES[area]) {
          test(
            conformanceCase.name,
            async (ctx) => {
              const meta = ctx.task.meta as { worldkit?: ConformanceTaskMeta };
              meta.worldkit = { area };
              const missing = missingCapabilities(conformanceCase, state.capabilities);
              if (missing.length > 0) {
                meta.worldkit = { area, notApplicable: missing };
                ctx.skip(notApplicableNote(missing));
              }
              context = new CaseContext(state);
              await conformanceCase.run(context);
            },
            conformanceCase.timeoutMs ?? timeoutMs,
          );
        }
      });
    }
  });
}
