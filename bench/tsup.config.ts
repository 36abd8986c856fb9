import { defineConfig } from 'tsup';

// The harness is an ESM command-line program; nothing is published, so no CJS or declarations.
export default defineConfig({
  entry: ['src/cli.ts'],
  format: ['esm'],
  sourcemap: true,
  clean: true,
  target: 'node20',
});
