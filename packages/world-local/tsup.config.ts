import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

export default defineConfig({
  ...packageBuild,
  entry: ['src/index.ts', 'src/v5.ts', 'src/testing.ts', 'src/cli.ts'],
  dts: { entry: ['src/index.ts', 'src/v5.ts', 'src/testing.ts'] },
  // import.meta.url works in the CommonJS build too (the conformance hooks locate this file).
  shims: true,
});
