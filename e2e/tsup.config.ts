import { defineConfig } from 'tsup';

// The runtime and the Worlds stay external: the app must use the installed `workflow` and load
// the World exactly as a user's app does.
const external = ['workflow', /^workflow\//, /^@workflow\//, /^@worldkit\//, 'pg', 'ioredis'];

export default defineConfig([
  {
    entry: { server: 'src/app/server.ts', index: 'src/index.ts', race: 'src/race/cli.ts' },
    format: ['esm'],
    outExtension: () => ({ js: '.mjs' }),
    dts: { entry: { index: 'src/index.ts' } },
    sourcemap: true,
    target: 'node20',
    external,
  },
  {
    // Loaded by the runtime with `require` through WORKFLOW_TARGET_WORLD.
    entry: { 'counting-world': 'src/counting-world.ts' },
    format: ['cjs'],
    outExtension: () => ({ js: '.cjs' }),
    sourcemap: true,
    target: 'node20',
    external,
  },
]);
