import { describe, expect, test } from 'vitest';
import { createMemoryBackend, runConformanceCases } from '../src/index.js';
import { BROKEN_WORLDS } from './broken-worlds.js';

// A check that cannot fail is a defect: every deliberately broken World must fail the suite,
// in the cases written to catch its bug.
describe('the suite catches every broken World', () => {
  test('there are at least ten broken Worlds', () => {
    expect(BROKEN_WORLDS.length).toBeGreaterThanOrEqual(10);
  });

  for (const broken of BROKEN_WORLDS) {
    test(`${broken.name}: ${broken.breaks}`, { timeout: 120_000 }, async () => {
      for (const { area, caughtBy } of [broken, ...(broken.alsoCaught ?? [])]) {
        const results = await runConformanceCases({
          area,
          only: caughtBy,
          // Failing fast is enough here: no time spent shrinking counterexamples.
          scale: {
            shrinkBudgetMs: 1_000,
            ...(broken.seed === undefined ? {} : { seed: broken.seed }),
          },
          setup: () => {
            let backend: ReturnType<typeof createMemoryBackend> | undefined;
            return {
              createWorld: (timing) => {
                backend ??= createMemoryBackend({ retryDelayMs: timing.retryDelayMs });
                return broken.make(backend, timing);
              },
            };
          },
        });
        for (const expected of caughtBy) {
          const matching = results.filter((result) => result.name.includes(expected));
          expect(matching.length, `no ${area} case named like "${expected}"`).toBeGreaterThan(0);
          expect(
            matching.map((result) => [result.name, result.state]),
            `"${expected}" must fail against "${broken.name}"`,
          ).toEqual(matching.map((result) => [result.name, 'failed']));
        }
      }
    });
  }
});
