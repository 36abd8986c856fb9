import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deleteRedisPrefix, postgresUrl, redisUrl, withPostgres, withRedis } from './services.js';

/** One isolated deployment of a World: the env its app processes share, and how to remove it. */
export interface Deployment {
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

/** A World the e2e app can run on, selected with WORKFLOW_TARGET_WORLD as a user would. */
export interface WorldTarget {
  name: string;
  /** The WORKFLOW_TARGET_WORLD value: a package resolvable from the e2e package, or `local`. */
  module: string;
  /** Whether app processes sharing one deployment cooperate (a durable, shared queue). */
  multiProcess: boolean;
  /** Creates fresh, empty storage for one test; fails with what to start if the service is down. */
  provision(label: string): Promise<Deployment>;
}

const uniqueSuffix = () => `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;

async function temporaryDataDirectory(label: string): Promise<Deployment> {
  const directory = await mkdtemp(path.join(tmpdir(), `worldkit-e2e-${label}-`));
  return {
    env: { WORKFLOW_LOCAL_DATA_DIR: directory },
    cleanup: () => rm(directory, { recursive: true, force: true }),
  };
}

/** The runtime's built-in upstream local World: one process, in-memory queue. A baseline. */
export const upstreamLocal: WorldTarget = {
  name: 'upstream-local',
  module: 'local',
  multiProcess: false,
  provision: temporaryDataDirectory,
};

export const worldkitLocal: WorldTarget = {
  name: 'local',
  module: '@worldkit/world-local',
  multiProcess: true,
  provision: temporaryDataDirectory,
};

export const worldkitPostgres: WorldTarget = {
  name: 'postgres',
  module: '@worldkit/world-postgres',
  multiProcess: true,
  async provision(label) {
    const schema = `e2e_${label.replace(/\W/g, '_')}_${uniqueSuffix()}`.toLowerCase();
    await withPostgres(async () => {});
    return {
      env: {
        WORKFLOW_POSTGRES_URL: postgresUrl(),
        WORKFLOW_POSTGRES_SCHEMA: schema,
        // Several app processes, and the other packages' suites, share one server's connections.
        WORKFLOW_POSTGRES_MAX_POOL_SIZE: '4',
      },
      cleanup: () =>
        withPostgres(async (client) => {
          await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        }),
    };
  },
};

export const worldkitRedis: WorldTarget = {
  name: 'redis',
  module: '@worldkit/world-redis',
  multiProcess: true,
  async provision(label) {
    const prefix = `e2e:${label}:${uniqueSuffix()}`;
    await withRedis(async () => {});
    return {
      env: { WORKFLOW_REDIS_URL: redisUrl(), WORKFLOW_REDIS_PREFIX: prefix },
      cleanup: () => withRedis((client) => deleteRedisPrefix(client, prefix)),
    };
  },
};

export const allTargets: WorldTarget[] = [
  upstreamLocal,
  worldkitLocal,
  worldkitPostgres,
  worldkitRedis,
];

/** The Worlds every e2e test runs on by default. */
export const defaultTargetNames = ['local', 'postgres', 'redis'];

/** The targets selected by E2E_WORLDS (comma-separated names), or the default set. */
export function selectedTargets(names = process.env.E2E_WORLDS): WorldTarget[] {
  const wanted = names ? names.split(',').map((name) => name.trim()) : defaultTargetNames;
  return wanted.map((name) => {
    const target = allTargets.find((candidate) => candidate.name === name);
    if (!target) {
      throw new Error(
        `unknown World ${name} in E2E_WORLDS; known: ${allTargets.map((t) => t.name)}`,
      );
    }
    // E2E_MODULE_<NAME> points a target at another build of its World (a path or a package).
    const override = process.env[`E2E_MODULE_${name.toUpperCase().replace(/\W/g, '_')}`];
    return override ? { ...target, module: override } : target;
  });
}
