import { appendConcurrentWriters, appendOneWriter } from './append.js';
import { fanOutBatch, fanOutSingle } from './fan-out.js';
import { fencedAppends } from './fenced.js';
import { hooksEmpty, hooksStored } from './hooks.js';
import { loadEventLog } from './load-log.js';
import { queueDelivery } from './queue.js';
import { runtimeScenarios } from './runtime.js';
import { streamRoundTrip } from './stream.js';
import type { Measurement } from './types.js';

/** Every measurement, in run and table order. */
export const allMeasurements: Measurement[] = [
  appendOneWriter,
  appendConcurrentWriters,
  fencedAppends,
  fanOutSingle,
  fanOutBatch,
  loadEventLog,
  hooksEmpty,
  hooksStored,
  queueDelivery,
  streamRoundTrip,
  runtimeScenarios,
];
