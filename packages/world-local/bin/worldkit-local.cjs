#!/usr/bin/env node
// The command's committed entry point: package managers link a bin when the package is
// installed, which in this repository is before anything is built, so the bin itself must exist.
// It runs the built CLI.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const cli = join(__dirname, '..', 'dist', 'cli.cjs');
if (!existsSync(cli)) {
  process.stderr.write(
    'worldkit-local is not built: run `pnpm --filter @worldkit/world-local... build` in the Worldkit repository\n',
  );
  process.exit(1);
}
require(cli);
