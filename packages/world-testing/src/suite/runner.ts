import type { WorldCapabilities } from '@worldkit/world';
import { CASES } from './areas/index.js';
import { AreaState, CaseContext, type ConformanceCase } from './context.js';
import { DEFAULT_TIMEOUT_MS, resolveScale } from './scale.js';
import { type ConformanceArea, type ConformanceOptions, DEFAULT_TIMING } from './types.js';

/** The capabilities a case needs that the World does not declare. */
export function missingCapabilities(
  conformanceCase: ConformanceCase,
  capabilities: WorldCapabilities,
): (keyof WorldCapabilities)[] {
  return (conformanceCase.requires ?? []).filter((capability) => !capabilities[capability]);
}

export interface CaseResult {
  area: ConformanceArea;
  name: string;
  state: 'passed' | 'failed' | 'not-applicable';
  note?: string;
  error?: Error;
  durationMs: number;
}

export interface RunCasesOptions extends Omit<ConformanceOptions, 'name' | 'areas'> {
  area: ConformanceArea;
  /** Only the cases whose name includes one of these strings (default: every case of the area). */
  only?: string[];
}

/**
 * Runs the cases of one area outside vitest's collection, one after the other, and returns what
 * happened to each: how the suite tests itself against deliberately broken Worlds, and a way to
 * run a few cases from a script.
 */
export async function runConformanceCases(options: RunCasesOptions): Promise<CaseResult[]> {
  const state = new AreaState(
    options.area,
    { ...DEFAULT_TIMING, ...options.timing },
    resolveScale(options.scale),
    options.setup,
  );
  const cases = CASES[options.area].filter(
    (c) => options.only === undefined || options.only.some((part) => c.name.includes(part)),
  );
  if (cases.length === 0) throw new Error(`no case of ${options.area} matches ${options.only}`);
  const results: CaseResult[] = [];
  await state.open();
  try {
    for (const conformanceCase of cases) {
      const started = Date.now();
      const base = { area: options.area, name: conformanceCase.name };
      const missing = missingCapabilities(conformanceCase, state.capabilities);
      if (missing.length > 0) {
        results.push({
          ...base,
          state: 'not-applicable',
          note: notApplicableNote(missing),
          durationMs: 0,
        });
        continue;
      }
      const context = new CaseContext(state);
      try {
        await withTimeout(
          conformanceCase.run(context),
          conformanceCase.timeoutMs ?? options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        );
        results.push({ ...base, state: 'passed', durationMs: Date.now() - started });
      } catch (error) {
        results.push({
          ...base,
          state: 'failed',
          error: error as Error,
          durationMs: Date.now() - started,
        });
      } finally {
        await context.dispose().catch(() => {});
      }
    }
  } finally {
    await state.close();
  }
  return results;
}

export function notApplicableNote(missing: string[]): string {
  return `n/a: capability ${missing.join(', ')} not declared`;
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the case timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
