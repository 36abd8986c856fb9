import { besideCurrent } from '../baseline/ids.js';
import {
  upstreamLocal5x,
  upstreamPostgres5x,
  worldkitLocal5x,
  worldkitPostgres5x,
  worldkitRedis5x,
} from './line-5x.js';
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
 * baseline builds, if any), upstream, the same two on the 5.x line, raw.
 */
export function allSubjects(baselines: Subject[] = []): Subject[] {
  return besideCurrent<Subject>(
    [
      memoryWorld,
      worldkitLocal,
      upstreamLocal,
      worldkitLocal5x,
      upstreamLocal5x,
      worldkitPostgres,
      upstreamPostgres,
      worldkitPostgres5x,
      upstreamPostgres5x,
      pgbenchSubject(),
      pgbenchAppendEventSubject(),
      worldkitRedis,
      upstreamRedis,
      worldkitRedis5x,
      redisBenchmarkSubject(),
    ],
    baselines,
  );
}

export type { RawAppendSubject, Subject, WorldSubject } from './types.js';
