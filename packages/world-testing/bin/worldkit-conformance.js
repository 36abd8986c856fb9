#!/usr/bin/env node
// The command's committed entry point: package managers link a bin when the package is
// installed, which in this repository is before anything is built, so the bin itself must exist.
// It runs the built CLI.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write(
    'worldkit-conformance is not built: run `pnpm --filter @worldkit/world-testing... build` in the Worldkit repository\n',
  );
  process.exit(1);
}
await import(cli.href);
