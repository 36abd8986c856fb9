import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

export default defineConfig({
  ...packageBuild,
  entry: ['src/index.ts', 'src/v5.ts', 'src/cli.ts'],
  dts: { entry: ['src/index.ts', 'src/v5.ts'] },
  // The migrations directory is located from the module's own URL in both formats.
  shims: true,
});
