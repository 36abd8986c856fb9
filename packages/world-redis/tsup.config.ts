import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

export default defineConfig({
  ...packageBuild,
  entry: ['src/index.ts', 'src/v5.ts', 'src/cli.ts'],
  dts: { entry: ['src/index.ts', 'src/v5.ts'] },
  // `import.meta.url` locates the Lua scripts shipped beside dist/ in the CommonJS build too.
  shims: true,
});
