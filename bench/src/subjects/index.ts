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

/** Every subject, in table order: the lower bound, then each backend's Worldkit, upstream, raw. */
export function allSubjects(): Subject[] {
  return [
    memoryWorld,
    worldkitLocal,
    upstreamLocal,
    worldkitPostgres,
    upstreamPostgres,
    pgbenchSubject(),
    worldkitRedis,
    upstreamRedis,
    redisBenchmarkSubject(),
  ];
}

export type { RawAppendSubject, Subject, WorldSubject } from './types.js';
