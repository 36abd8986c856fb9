import type { ConformanceCase } from '../context.js';
import type { ConformanceArea } from '../types.js';
import { batchCases } from './batches.js';
import { clientCases } from './clients.js';
import { concurrencyCases } from './concurrency.js';
import { durabilityCases } from './durability.js';
import { fenceCases } from './fences.js';
import { inputCases } from './input.js';
import { lifecycleCases } from './lifecycle.js';
import { line5xCases } from './line-5x.js';
import { modelCases } from './model.js';
import { queueCases } from './queue.js';
import { retentionCases } from './retention.js';
import { storageCases } from './storage.js';
import { streamCases } from './streams.js';
import { transitionCases } from './transitions.js';

export const CASES: Record<ConformanceArea, ConformanceCase[]> = {
  lifecycle: lifecycleCases,
  storage: storageCases,
  transitions: transitionCases,
  fences: fenceCases,
  concurrency: concurrencyCases,
  model: modelCases,
  queue: queueCases,
  streams: streamCases,
  durability: durabilityCases,
  retention: retentionCases,
  input: inputCases,
  clients: clientCases,
  line5x: line5xCases,
  batches: batchCases,
};
