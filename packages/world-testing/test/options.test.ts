import { afterEach, describe, expect, test } from 'vitest';
import { resolveAreas, resolveScale } from '../src/suite/scale.js';

describe('suite options', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  test('areas: the option, narrowed by WORLDKIT_CONFORMANCE_AREAS, in suite order', () => {
    delete process.env.WORLDKIT_CONFORMANCE_AREAS;
    expect(resolveAreas(['queue', 'storage'])).toEqual(['storage', 'queue']);
    process.env.WORLDKIT_CONFORMANCE_AREAS = 'queue, fences';
    expect(resolveAreas(['queue', 'storage'])).toEqual(['queue']);
    expect(resolveAreas()).toEqual(['fences', 'queue']);
  });

  test('an unknown area is refused by name', () => {
    process.env.WORLDKIT_CONFORMANCE_AREAS = 'queues';
    expect(() => resolveAreas()).toThrow('unknown conformance area "queues"');
  });

  test('scale: env knobs win over options, which win over defaults', () => {
    for (const name of ['MODEL_RUNS', 'MODEL_COMMANDS', 'WRITERS', 'SEED', 'SHRINK_MS']) {
      delete process.env[`WORLDKIT_CONFORMANCE_${name}`];
    }
    expect(resolveScale()).toEqual({
      modelRuns: 3,
      modelCommands: 300,
      writers: 8,
      seed: undefined,
      shrinkBudgetMs: 45_000,
    });
    process.env.WORLDKIT_CONFORMANCE_WRITERS = '32';
    process.env.WORLDKIT_CONFORMANCE_SEED = '7';
    expect(resolveScale({ writers: 4, modelRuns: 10 })).toMatchObject({
      writers: 32,
      seed: 7,
      modelRuns: 10,
    });
    process.env.WORLDKIT_CONFORMANCE_MODEL_RUNS = 'many';
    expect(() => resolveScale()).toThrow(
      'WORLDKIT_CONFORMANCE_MODEL_RUNS must be a non-negative integer',
    );
  });
});
