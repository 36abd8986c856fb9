import { createBatchWith, type Storage } from '@worldkit/world';
import { type StoreContext, transport } from '../store-context.js';
import { createEvent, createEvents } from './create-event.js';
import { eventReads } from './events.js';
import { hookReads } from './hooks.js';
import { runReads } from './runs.js';
import { stepReads } from './steps.js';

/**
 * The World's `Storage`: `events.create` and `events.createBatch` are the only writes (the one Lua
 * script of `create-event.ts`); every other method is a read of the hashes and indexes that
 * script maintains.
 */
export function createStorage(store: StoreContext): Storage {
  const reads = eventReads(store);
  return {
    runs: runReads(store),
    steps: stepReads(store),
    events: {
      create: ((runId: unknown, data: unknown, params: unknown) =>
        transport(() => createEvent(store, runId, data, params))) as Storage['events']['create'],
      createBatch: createBatchWith(
        (creates) => createEvents(store, creates),
        reads.listByCorrelationId,
      ),
      ...reads,
    },
    hooks: hookReads(store),
  };
}
