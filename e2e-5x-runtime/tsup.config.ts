import { defineConfig } from 'tsup';

// The benchmarks' entry. Its harness starts the app processes (Node 22 runs the app from its
// sources); it never loads the runtime or a World itself.
export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm'],
  outExtension: () => ({ js: '.mjs' }),
  sourcemap: true,
  clean: true,
  target: 'node20',
});
