import { createRequire } from 'node:module';
import { describe, expect, test } from 'vitest';

const require = createRequire(import.meta.url);

// Each case starts a Node process: on a loaded machine that alone can take seconds.
describe('loading the package with require()', { timeout: 60_000 }, () => {
  test('the suite says to use import, and why', () => {
    expect(() => require('@worldkit/world-testing')).toThrow(
      /ESM only: load it with `import \{ describeWorldConformance \} from '@worldkit\/world-testing'`.*vitest, which cannot be loaded with require\(\)/,
    );
  });

  test('the in-memory World loads', () => {
    const memory = require('@worldkit/world-testing/memory');
    expect(memory.createMemoryWorld().specVersion).toBe(3);
  });
});
