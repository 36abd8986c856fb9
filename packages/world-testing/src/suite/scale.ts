import { AREAS, type ConformanceArea, type ConformanceScale } from './types.js';

export const DEFAULT_TIMEOUT_MS = 30_000;

function envInt(name: string): number | undefined {
  const value = process.env[name];
  if (value === undefined || value === '') return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0)
    throw new Error(`${name} must be a non-negative integer`);
  return parsed;
}

export function resolveScale(scale: Partial<ConformanceScale> = {}): ConformanceScale {
  return {
    modelRuns: envInt('WORLDKIT_CONFORMANCE_MODEL_RUNS') ?? scale.modelRuns ?? 3,
    modelCommands: envInt('WORLDKIT_CONFORMANCE_MODEL_COMMANDS') ?? scale.modelCommands ?? 300,
    writers: envInt('WORLDKIT_CONFORMANCE_WRITERS') ?? scale.writers ?? 8,
    seed: envInt('WORLDKIT_CONFORMANCE_SEED') ?? scale.seed,
    shrinkBudgetMs: envInt('WORLDKIT_CONFORMANCE_SHRINK_MS') ?? scale.shrinkBudgetMs ?? 45_000,
  };
}

/** The areas to run: the option, narrowed by `WORLDKIT_CONFORMANCE_AREAS` when set. */
export function resolveAreas(selected?: readonly ConformanceArea[]): ConformanceArea[] {
  const fromEnv = process.env.WORLDKIT_CONFORMANCE_AREAS?.split(',')
    .map((area) => area.trim())
    .filter(Boolean);
  for (const area of [...(selected ?? []), ...(fromEnv ?? [])]) {
    if (!(AREAS as readonly string[]).includes(area)) {
      throw new Error(`unknown conformance area "${area}" (areas: ${AREAS.join(', ')})`);
    }
  }
  return AREAS.filter(
    (area) =>
      (selected === undefined || selected.includes(area)) &&
      (fromEnv === undefined || fromEnv.includes(area)),
  );
}
