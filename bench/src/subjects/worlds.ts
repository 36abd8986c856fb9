/**
 * Every World the bench measures, each with the isolation it needs. Adding a World is one entry
 * here (plus its package in bench/package.json).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  deleteRedisKeys,
  dropSchema,
  postgresUrl,
  redisUrl,
  uniqueName,
  withPostgres,
  withRedis,
} from '../services.js';
import { loadWorldFactory, type WorldFactory, withEnv } from './load.js';
import { opened } from './opened.js';
import type {
  Family,
  OpenedWorld,
  OpenOptions,
  RuntimeTarget,
  WorldStore,
  WorldSubject,
} from './types.js';
import { upstreamPostgresPackage } from './upstream-postgres.js';
import {
  upstreamRedisDispose,
  upstreamRedisOpen,
  upstreamRedisPrepare,
  upstreamRedisRuntime,
} from './upstream-redis.js';

async function temporaryDirectory(label: string) {
  const directory = await mkdtemp(path.join(tmpdir(), `${uniqueName(label)}-`));
  return { directory, remove: () => rm(directory, { recursive: true, force: true }) };
}

const require = createRequire(import.meta.url);

/** `open` for a World with stores: a fresh store per instance, removed when the instance closes. */
function openInOwnStore(createStore: (label: string) => Promise<WorldStore>) {
  return async ({ label, queueBaseUrl }: OpenOptions): Promise<OpenedWorld> => {
    const store = await createStore(label);
    try {
      return opened(store.world({ queueBaseUrl }), store.remove);
    } catch (error) {
      await store.remove();
      throw error;
    }
  };
}

/** The runtime's built-in `local` World keeps its queue in memory: one process only. */
export const localRuntime = (name: string, module: () => string): RuntimeTarget => ({
  name,
  get module() {
    return module();
  },
  get multiProcess() {
    return module() !== 'local';
  },
  async provision(label) {
    const { directory, remove } = await temporaryDirectory(`rt_${name}_${label}`);
    return { env: { WORKFLOW_LOCAL_DATA_DIR: directory }, cleanup: remove };
  },
});

export const memoryWorld: WorldSubject = {
  kind: 'world',
  id: 'memory',
  label: 'createMemoryWorld (reference, in-memory)',
  backend: 'memory',
  family: 'reference',
  prepare: async () => {
    await loadWorldFactory('@worldkit/world-testing/memory', 'createMemoryWorld');
  },
  async open({ queueBaseUrl }: OpenOptions) {
    const create = await loadWorldFactory('@worldkit/world-testing/memory', 'createMemoryWorld');
    return opened(create(queueBaseUrl ? { baseUrl: queueBaseUrl } : {}), async () => {});
  },
  // One app process holds the whole World in memory: the runtime's lower bound.
  runtime: {
    name: 'memory',
    get module() {
      return require.resolve('@worldkit/world-testing/memory');
    },
    multiProcess: false,
    provision: async () => ({ env: {}, cleanup: async () => {} }),
  },
};

/**
 * Where a Worldkit World's build comes from: this checkout's dependency, or another revision's
 * build (a baseline). Both are measured with the same isolation, only the code differs.
 */
export interface WorldkitBuild {
  id: string;
  label: string;
  family: Family;
  load(): Promise<WorldFactory>;
  /** The WORKFLOW_TARGET_WORLD value for the e2e app: the package's entry, as an absolute path. */
  runtimeModule(): string;
}

/**
 * The build this checkout depends on (bench/package.json's `workspace:^`). Its runtime entry is
 * resolved from here, so the e2e app loads the very build the API measurements use.
 */
const currentBuild = (id: string, packageName: string): WorldkitBuild => ({
  id,
  label: packageName,
  family: 'worldkit',
  load: () => loadWorldFactory(packageName),
  runtimeModule: () => require.resolve(packageName),
});

export function worldkitLocalSubject(build: WorldkitBuild): WorldSubject {
  const createStore = async (label: string): Promise<WorldStore> => {
    const create = await build.load();
    const { directory, remove } = await temporaryDirectory(`wk_local_${label}`);
    return {
      location: { backend: 'local', directory },
      world: ({ queueBaseUrl, worldOptions } = {}) =>
        withEnv({ WORKFLOW_LOCAL_DATA_DIR: directory }, () =>
          create({
            dataDir: directory,
            ...worldOptions,
            ...(queueBaseUrl ? { baseUrl: queueBaseUrl } : {}),
          }),
        ),
      remove,
    };
  };
  return {
    kind: 'world',
    id: build.id,
    label: build.label,
    backend: 'local',
    family: build.family,
    prepare: async () => {
      await build.load();
    },
    createStore,
    open: openInOwnStore(createStore),
    runtime: localRuntime(build.id, build.runtimeModule),
  };
}

export const worldkitLocal = worldkitLocalSubject(
  currentBuild('worldkit-local', '@worldkit/world-local'),
);

/** `@workflow/world-local` as installed under `packageName`, in a temporary directory of its own. */
export function upstreamLocalOpen(
  packageName: string,
  exportName: string,
  directoryPrefix: string,
) {
  return async ({ label, queueBaseUrl }: OpenOptions): Promise<OpenedWorld> => {
    const create = await loadWorldFactory(packageName, exportName);
    const { directory, remove } = await temporaryDirectory(`${directoryPrefix}_${label}`);
    const world = create({
      dataDir: directory,
      recoverActiveRuns: false,
      ...(queueBaseUrl ? { baseUrl: queueBaseUrl } : {}),
    });
    return opened(world, remove);
  };
}

export const upstreamLocal: WorldSubject = {
  kind: 'world',
  id: 'upstream-local',
  label: '@workflow/world-local 4.4.1',
  backend: 'local',
  family: 'upstream',
  open: upstreamLocalOpen('@workflow/world-local', 'createLocalWorld', 'up_local'),
  // The runtime's built-in target, exactly what an app gets by default.
  runtime: localRuntime('upstream-local', () => 'local'),
};

export function worldkitPostgresSubject(build: WorldkitBuild): WorldSubject {
  const createStore = async (label: string): Promise<WorldStore> => {
    const create = await build.load();
    const schema = uniqueName(`wk_pg_${label}`);
    const url = postgresUrl();
    return {
      location: { backend: 'postgres', url, schema },
      world: ({ queueBaseUrl, worldOptions } = {}) =>
        withEnv({ WORKFLOW_POSTGRES_URL: url, WORKFLOW_POSTGRES_SCHEMA: schema }, () =>
          create({
            connectionString: url,
            schema,
            ...worldOptions,
            ...(queueBaseUrl ? { baseUrl: queueBaseUrl } : {}),
          }),
        ),
      remove: () => dropSchema(schema),
    };
  };
  return {
    kind: 'world',
    id: build.id,
    label: build.label,
    backend: 'postgres',
    family: build.family,
    prepare: async () => {
      await build.load();
      await withPostgres(async () => {});
    },
    createStore,
    open: openInOwnStore(createStore),
    runtime: {
      name: build.id,
      get module() {
        return build.runtimeModule();
      },
      multiProcess: true,
      async provision(label) {
        const schema = uniqueName(`rt_wk_pg_${label}`);
        return {
          env: { WORKFLOW_POSTGRES_URL: postgresUrl(), WORKFLOW_POSTGRES_SCHEMA: schema },
          cleanup: () => dropSchema(schema),
        };
      },
    },
  };
}

export const worldkitPostgres = worldkitPostgresSubject(
  currentBuild('worldkit-postgres', '@worldkit/world-postgres'),
);

const upstreamPostgres4x = upstreamPostgresPackage({
  id: 'upstream-postgres',
  packageName: '@workflow/world-postgres',
  databasePrefix: 'up_pg',
});

export const upstreamPostgres: WorldSubject = {
  kind: 'world',
  id: 'upstream-postgres',
  label: '@workflow/world-postgres 4.3.7',
  backend: 'postgres',
  family: 'upstream',
  prepare: upstreamPostgres4x.prepare,
  dispose: upstreamPostgres4x.dispose,
  open: upstreamPostgres4x.open,
  runtime: upstreamPostgres4x.runtime,
};

async function deleteRedisPrefix(prefix: string): Promise<void> {
  await withRedis((client) => deleteRedisKeys(client, `${prefix}*`));
}

export function worldkitRedisSubject(build: WorldkitBuild): WorldSubject {
  const createStore = async (label: string): Promise<WorldStore> => {
    const create = await build.load();
    const prefix = uniqueName(`wk_redis_${label}`);
    const url = redisUrl();
    return {
      location: { backend: 'redis', url, prefix },
      world: ({ queueBaseUrl, worldOptions } = {}) =>
        withEnv({ WORKFLOW_REDIS_URL: url, WORKFLOW_REDIS_PREFIX: prefix }, () =>
          create({
            url,
            prefix,
            ...worldOptions,
            ...(queueBaseUrl ? { baseUrl: queueBaseUrl } : {}),
          }),
        ),
      remove: () => deleteRedisPrefix(prefix),
    };
  };
  return {
    kind: 'world',
    id: build.id,
    label: build.label,
    backend: 'redis',
    family: build.family,
    prepare: async () => {
      await build.load();
      await withRedis(async () => {});
    },
    createStore,
    open: openInOwnStore(createStore),
    runtime: {
      name: build.id,
      get module() {
        return build.runtimeModule();
      },
      multiProcess: true,
      async provision(label) {
        const prefix = uniqueName(`rt_wk_redis_${label}`);
        return {
          env: { WORKFLOW_REDIS_URL: redisUrl(), WORKFLOW_REDIS_PREFIX: prefix },
          cleanup: () => deleteRedisPrefix(prefix),
        };
      },
    },
  };
}

export const worldkitRedis = worldkitRedisSubject(
  currentBuild('worldkit-redis', '@worldkit/world-redis'),
);

/**
 * The Worldkit Worlds by package: what a baseline build is searched for, and how each becomes a
 * subject.
 */
export const WORLDKIT_WORLDS = [
  { id: 'worldkit-local', packageName: '@worldkit/world-local', subject: worldkitLocalSubject },
  {
    id: 'worldkit-postgres',
    packageName: '@worldkit/world-postgres',
    subject: worldkitPostgresSubject,
  },
  { id: 'worldkit-redis', packageName: '@worldkit/world-redis', subject: worldkitRedisSubject },
] as const;

export const upstreamRedis: WorldSubject = {
  kind: 'world',
  id: 'upstream-redis',
  label: '@workflow-worlds/redis 0.2.2',
  backend: 'redis',
  family: 'upstream',
  prepare: upstreamRedisPrepare,
  dispose: upstreamRedisDispose,
  open: upstreamRedisOpen,
  runtime: upstreamRedisRuntime,
};
