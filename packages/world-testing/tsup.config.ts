import { defineConfig } from 'tsup';

// The three builds run in parallel, so none of them cleans `dist` (it could delete what another
// just wrote): the package's `build` script empties it first.
export default defineConfig([
  {
    // The memory World is loadable by CommonJS `require`, as the runtime loads Worlds.
    entry: ['src/memory.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    target: 'node20',
  },
  {
    // `require('@worldkit/world-testing')` gets an error that says to use `import`.
    entry: ['src/esm-only.cts'],
    format: ['cjs'],
    dts: true,
    target: 'node20',
  },
  {
    // The suite, the CLI and the child-process host run on vitest, which is ESM only.
    entry: ['src/index.ts', 'src/cli.ts', 'src/child/host.ts'],
    format: ['esm'],
    dts: { entry: ['src/index.ts'] },
    sourcemap: true,
    target: 'node20',
  },
]);
