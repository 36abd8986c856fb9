import { besideCurrent } from '../baseline/ids.js';
import { pgbenchSubject, redisBenchmarkSubject } from './raw.js';
import type { Subject, WorldSubject } from './types.js';
import {
  memoryWorld,
  upstreamLocal,
  upstreamPostgres,
  upstreamRedis,
  worldkitLocal,
  worldkitPostgres,
  worldkitRedis,
} from './worlds.js';

/**
 * Every subject, in table order: the lower bound, then each backend's Worldkit (followed by its
 * baseline builds, if any), upstream, raw.
 */
export function allSubjects(baselines: WorldSubject[] = []): Subject[] {
  return besideCurrent<Subject>(
    [
      memoryWorld,
      worldkitLocal,
      upstreamLocal,
      worldkitPostgres,
      upstreamPostgres,
      pgbenchSubject(),
      worldkitRedis,
      upstreamRedis,
      redisBenchmarkSubject(),
    ],
    baselines,
  );
}

export type { RawAppendSubject, Subject, WorldSubject } from './types.js';
