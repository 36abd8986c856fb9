/** What every backend's seeder does: copy the template runs into clones, in bulk. */
import type { StoreLocation } from '../../subjects/types.js';
import { localSeeder } from './local.js';
import { postgresSeeder } from './postgres.js';
import { redisSeeder } from './redis.js';
import type { Templates } from './templates.js';

export interface Seeder {
  /** Writes clones `from` … `to - 1` through the backend's own bulk path. */
  grow(from: number, to: number, progress: (line: string) => void): Promise<void>;
  /**
   * Brings the store to the state its backend would reach by itself soon after such writes
   * (PostgreSQL: autovacuum's statistics and visibility map), so reads are not measured on a
   * store no real one would stay in.
   */
  settle(): Promise<void>;
  /** Bytes the store takes now, as its backend counts them. */
  bytes(): Promise<number>;
  close(): Promise<void>;
}

/**
 * Reads what the World stored for the templates (already written and flushed) and prepares to
 * copy it. A template holding something the seeder cannot copy exactly fails here.
 */
export function createSeeder(location: StoreLocation, templates: Templates): Promise<Seeder> {
  switch (location.backend) {
    case 'postgres':
      return postgresSeeder(location, templates);
    case 'redis':
      return redisSeeder(location, templates);
    case 'local':
      return localSeeder(location, templates);
  }
}
