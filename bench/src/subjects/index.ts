import { besideCurrent } from '../baseline/ids.js';
import { pgbenchAppendEventSubject } from './pgbench-append-event.js';
import { pgbenchSubject, redisBenchmarkSubject } from './raw.js';
import type { Subject } from './types.js';
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
export function allSubjects(baselines: Subject[] = []): Subject[] {
  return besideCurrent<Subject>(
    [
      memoryWorld,
      worldkitLocal,
      upstreamLocal,
      worldkitPostgres,
      upstreamPostgres,
      pgbenchSubject(),
      pgbenchAppendEventSubject(),
      worldkitRedis,
      upstreamRedis,
      redisBenchmarkSubject(),
    ],
    baselines,
  );
}

export type { RawAppendSubject, Subject, WorldSubject } from './types.js';
