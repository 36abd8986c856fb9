/**
 * The size of one World's store while it is written, as its backend counts it, and the runs it
 * holds:
 * - PostgreSQL: `pg_total_relation_size` summed over the schema's tables (indexes and TOAST
 *   included; space freed by deletes counts until a vacuum lets it be reused, as for any app);
 *   runs: `count(*)` of the runs table. Before each sample the gauge VACUUMs the schema's
 *   tables, autovacuum's work at a pace scaled like the soak's retention age: the soak keeps 20 s
 *   of runs, so a vacuum a minute (autovacuum's default naptime) would leave three times the live
 *   runs dead between two vacuums, where in a store keeping 30 days a minute's deletes are a
 *   sliver. Both stores are vacuumed alike.
 * - Redis: `MEMORY USAGE … SAMPLES 0` (every element, not an estimate) summed over the prefix's
 *   keys found by SCAN, and their number; runs: `ZCARD` of the World's index of every run. The
 *   server's `used_memory` cannot be split between two prefixes measured side by side.
 * - local: the data directory's blocks on disk (`du`); runs: the run logs in `runs/`.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { quoteIdentifier } from '../services.js';
import { directoryBytes, schemaBytes } from '../store-size.js';
import type { StoreLocation } from '../subjects/types.js';

export interface StoreSize {
  bytes: number;
  /** Redis only: keys under the prefix. */
  keys?: number;
  runsStored: number;
}

export interface StoreGauge {
  /** How the bytes are counted, for the report. */
  method: string;
  /** Before each measure: the backend's upkeep its size depends on (PostgreSQL's vacuum). */
  maintain?(): Promise<void>;
  measure(): Promise<StoreSize>;
  close(): Promise<void>;
}

async function postgresGauge(location: { url: string; schema: string }): Promise<StoreGauge> {
  const client = new pg.Client({ connectionString: location.url });
  await client.connect();
  const runs = `${quoteIdentifier(location.schema)}.runs`;
  const { rows } = await client.query("SELECT current_setting('autovacuum') AS autovacuum");
  return {
    method:
      "pg_total_relation_size summed over the schema's tables, each VACUUMed before every " +
      `sample (autovacuum is ${rows[0].autovacuum} on this server)`,
    async maintain() {
      const tables = await client.query('SELECT tablename FROM pg_tables WHERE schemaname = $1', [
        location.schema,
      ]);
      for (const { tablename } of tables.rows) {
        await client.query(
          `VACUUM ${quoteIdentifier(location.schema)}.${quoteIdentifier(tablename)}`,
        );
      }
    },
    measure,
    close: () => client.end(),
  };

  async function measure(): Promise<StoreSize> {
    const bytes = await schemaBytes(client, location.schema);
    const { rows } = await client.query(`SELECT count(*)::bigint AS runs FROM ${runs}`);
    return { bytes, runsStored: Number(rows[0].runs) };
  }
}

/** Keys asked about per pipeline: one round trip per batch, short enough not to block others. */
const REDIS_BATCH = 500;

async function redisGauge(location: { url: string; prefix: string }): Promise<StoreGauge> {
  const client = new Redis(location.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on('error', () => {});
  await client.connect();
  // The World's index of every run (packages/world-redis/README.md, the key layout).
  const runsIndex = `${location.prefix}:{index}:runs`;
  return {
    method: 'MEMORY USAGE (SAMPLES 0) summed over the prefix keys (SCAN)',
    async measure() {
      let cursor = '0';
      let bytes = 0;
      let keys = 0;
      do {
        const [next, found] = await client.scan(
          cursor,
          'MATCH',
          `${location.prefix}:*`,
          'COUNT',
          REDIS_BATCH,
        );
        cursor = next;
        if (found.length === 0) continue;
        const pipeline = client.pipeline();
        for (const key of found) pipeline.call('MEMORY', 'USAGE', key, 'SAMPLES', '0');
        for (const [error, usage] of (await pipeline.exec()) ?? []) {
          // A key deleted between SCAN and MEMORY USAGE answers null: it takes nothing now.
          if (error) throw error;
          if (usage !== null) {
            bytes += Number(usage);
            keys++;
          }
        }
      } while (cursor !== '0');
      return { bytes, keys, runsStored: await client.zcard(runsIndex) };
    },
    close: async () => {
      client.disconnect();
    },
  };
}

function localGauge(location: { directory: string }): StoreGauge {
  return {
    method: 'du of the data directory (blocks on disk)',
    async measure() {
      const bytes = await directoryBytes(location.directory);
      const logs = await readdir(path.join(location.directory, 'runs')).catch(() => []);
      return { bytes, runsStored: logs.filter((name) => name.endsWith('.log')).length };
    },
    close: async () => {},
  };
}

export async function openGauge(location: StoreLocation): Promise<StoreGauge> {
  switch (location.backend) {
    case 'postgres':
      return postgresGauge(location);
    case 'redis':
      return redisGauge(location);
    case 'local':
      return localGauge(location);
  }
}
