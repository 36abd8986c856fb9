import type { Options } from 'tsup';

/**
 * What the build of every published World package shares: ESM and CommonJS for Node 20, with
 * declarations and source maps, into a `dist` emptied first. A package adds its entries and
 * whatever else it alone needs.
 */
export const packageBuild = {
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
} satisfies Options;
