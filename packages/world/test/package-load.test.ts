import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Prints what a consumer sees: a few exports and whether the error classes behave. */
const probe = `
  const report = {
    specVersion: world.SPEC_VERSION_CURRENT,
    functions: ['createQueueHandler', 'createDeliverer', 'validateCreateEvent', 'transition',
      'createEventFenced', 'recoverActiveRuns', 'encodeBinary'].filter((n) => typeof world[n] === 'function'),
    fence: (() => { const e = new world.FenceConflictError('wrun_1', 'a', 'b');
      return [e.name, e.status, e.code, e instanceof world.EntityConflictError]; })(),
    bytes: Array.from(world.decodeBinary(world.encodeBinary(new Uint8Array([0, 255])))),
  };
  console.log(JSON.stringify(report));
`;

function run(args: string[]): unknown {
  // Resolved by package name from inside the package: the `exports` map, as a consumer sees it.
  const result = spawnSync(process.execPath, args, { cwd: packageDir, encoding: 'utf8' });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return JSON.parse(result.stdout);
}

const expected = {
  specVersion: 3,
  functions: [
    'createQueueHandler',
    'createDeliverer',
    'validateCreateEvent',
    'transition',
    'createEventFenced',
    'recoverActiveRuns',
    'encodeBinary',
  ],
  fence: ['EntityConflictError', 412, 'FENCE_CONFLICT', true],
  bytes: [0, 255],
};

// The loading cases start Node processes: on a loaded machine that alone can take seconds.
describe('the built package', { timeout: 60_000 }, () => {
  it('has been built (run `pnpm build` first)', () => {
    expect(existsSync(join(packageDir, 'dist/index.cjs')), 'dist/index.cjs').toBe(true);
    expect(existsSync(join(packageDir, 'dist/index.js')), 'dist/index.js').toBe(true);
  });

  it('loads with require, as the runtime loads Worlds', () => {
    expect(run(['-e', `const world = require('@worldkit/world');${probe}`])).toEqual(expected);
  });

  it('loads with import', () => {
    expect(
      run(['--input-type=module', '-e', `import * as world from '@worldkit/world';${probe}`]),
    ).toEqual(expected);
  });
});
