import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type {
  ConformanceArea,
  ConformanceBackend,
  ConformanceTiming,
} from '@worldkit/world-testing';
import pg from 'pg';
import { createWorld as createPostgresWorld } from '../src/index.js';

/**
 * This package as the conformance suite sees it, for `describeWorldConformance` and for
 * `worldkit-conformance ./test/conformance-target.ts`: every area gets its own schema, dropped
 * when the area is done; child processes open the built package over the same schema.
 */

const DATABASE_URL = process.env.WORKFLOW_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const BUILT_PACKAGE = fileURLToPath(new URL('../dist/index.js', import.meta.url));

export function createWorld(timing: Partial<ConformanceTiming> = {}) {
  return createPostgresWorld({ connectionString: DATABASE_URL, ...timing });
}

export const conformance = {
  setup(_area: ConformanceArea): ConformanceBackend {
    const schema = `wk_conf_${randomBytes(6).toString('hex')}`;
    return {
      createWorld: (timing) =>
        createPostgresWorld({ connectionString: DATABASE_URL, schema, ...timing }),
      processWorld: {
        module: BUILT_PACKAGE,
        env: { WORKFLOW_POSTGRES_URL: DATABASE_URL, WORKFLOW_POSTGRES_SCHEMA: schema },
      },
      async teardown() {
        const client = new pg.Client({ connectionString: DATABASE_URL });
        await client.connect();
        try {
          await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        } finally {
          await client.end();
        }
      },
    };
  },
};
