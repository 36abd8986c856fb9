/**
 * The 5.x line measured beside the 4.x one: each Worldkit World's `v5` entry and the upstream 5.x
 * Worlds of the same kinds, through the World API measurements and, where the 5.x runtime
 * (`workflow` 5.0.0-beta.55, the e2e-5x-runtime app) loads them, the runtime rows. Not through
 * `--scale`: it seeds copies of 4.x (ULID-numbered) logs.
 */
import { createRequire } from 'node:module';
import { loadWorldFactory } from './load.js';
import type { WorldSubject } from './types.js';
import { upstreamPostgresPackage } from './upstream-postgres.js';
import {
  localRuntime,
  upstreamLocalOpen,
  type WorldkitBuild,
  worldkitLocalSubject,
  worldkitPostgresSubject,
  worldkitRedisSubject,
} from './worlds.js';

const require = createRequire(import.meta.url);

/**
 * The spec version the Worldkit 5.x subjects are created at, so every run they write numbers its
 * events by slot: what the newest 5.x runtime (5.0.0-beta.55) mints. Passed to `createWorld`, so
 * a `WORKFLOW_SPEC_VERSION` in the environment does not change what is measured.
 */
export const SPEC_VERSION_5X = 7;

/** A subject as the 5.x line is measured: no store for `--scale`. */
function onLine5x({ createStore: _createStore, ...subject }: WorldSubject): WorldSubject {
  return { ...subject, line: '5.x' };
}

function worldkit5x(
  id: string,
  packageName: string,
  subjectOf: (build: WorldkitBuild) => WorldSubject,
): WorldSubject {
  const entry = `${packageName}/v5`;
  return onLine5x(
    subjectOf({
      id,
      label: `${entry} (spec ${SPEC_VERSION_5X})`,
      family: 'worldkit',
      async load() {
        const create = await loadWorldFactory(entry);
        return (options) => create({ ...options, specVersion: SPEC_VERSION_5X });
      },
      runtimeModule: () => require.resolve(entry),
    }),
  );
}

export const worldkitLocal5x = worldkit5x(
  'worldkit-local-5x',
  '@worldkit/world-local',
  worldkitLocalSubject,
);
export const worldkitPostgres5x = worldkit5x(
  'worldkit-postgres-5x',
  '@worldkit/world-postgres',
  worldkitPostgresSubject,
);
export const worldkitRedis5x = worldkit5x(
  'worldkit-redis-5x',
  '@worldkit/world-redis',
  worldkitRedisSubject,
);

/** It declares spec 7 (its `mintedSpecVersion()`), and its runs get slot-numbered event ids. */
export const upstreamLocal5x: WorldSubject = {
  kind: 'world',
  id: 'upstream-local-5x',
  label: '@workflow/world-local 5.0.0-beta.46',
  backend: 'local',
  family: 'upstream',
  line: '5.x',
  open: upstreamLocalOpen('@workflow/world-local-5', 'createWorld', 'up_local_5x'),
  // The 5.x runtime's built-in target (its own dependency, this same version).
  runtime: localRuntime('upstream-local-5x', () => 'local'),
};

/**
 * No runtime rows: the 5.x runtime loads only Worlds of spec 6 or 7.
 * 5.0.0-beta.27, not beta.29: beta.29 pins `@workflow/world` 5.0.0-beta.23, `world-local`
 * 5.0.0-beta.31, `errors` 5.0.0-beta.13 and `utils` 5.0.0-beta.7, none of them on the npm
 * registry, so it does not install. beta.27 (on `@workflow/world` 5.0.0-beta.21) declares spec
 * 5: its runs keep ULID event ids.
 */
const upstreamPostgres5xPackage = upstreamPostgresPackage({
  id: 'upstream-postgres-5x',
  packageName: '@workflow/world-postgres-5',
  databasePrefix: 'up_pg_5x',
});

export const upstreamPostgres5x: WorldSubject = {
  kind: 'world',
  id: 'upstream-postgres-5x',
  label: '@workflow/world-postgres 5.0.0-beta.27',
  backend: 'postgres',
  family: 'upstream',
  line: '5.x',
  prepare: upstreamPostgres5xPackage.prepare,
  dispose: upstreamPostgres5xPackage.dispose,
  open: upstreamPostgres5xPackage.open,
};
