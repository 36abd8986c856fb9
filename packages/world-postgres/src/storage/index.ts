import { createBatchWith, type Storage } from '@worldkit/world';
import type { Database } from '../database.js';
import { type AppendRow, createEvent, createEvents } from './append.js';
import { AppendBatcher } from './batcher.js';
import {
  getEvent,
  getHook,
  getHookByToken,
  getRun,
  getStep,
  listEvents,
  listEventsByCorrelationId,
  listHooks,
  listRuns,
  listSteps,
} from './reads.js';

/** The Storage half of the World: every method is a function of the database, no `this`. */
export function createStorage(db: Database): Storage {
  // The batcher belongs to storage, not to the database: the database only runs statements, and
  // how events.create's statements share round trips is a storage decision. Dependencies so go
  // one way (storage → database), and there is one batcher per World, as there is one storage.
  const appends = new AppendBatcher<AppendRow>(db, db.config.appendConcurrency);
  const listByCorrelationId: Storage['events']['listByCorrelationId'] = (params) =>
    listEventsByCorrelationId(db, params);
  return {
    runs: {
      get: ((id, params) => getRun(db, id, params)) as Storage['runs']['get'],
      list: ((params) => listRuns(db, params)) as Storage['runs']['list'],
    },
    steps: {
      get: ((runId, stepId, params) =>
        getStep(db, runId, stepId, params)) as Storage['steps']['get'],
      list: ((params) => listSteps(db, params)) as Storage['steps']['list'],
    },
    events: {
      create: ((runId, data, params) =>
        createEvent(appends, runId, data, params)) as Storage['events']['create'],
      createBatch: createBatchWith((creates) => createEvents(db, creates), listByCorrelationId),
      get: (runId, eventId, params) => getEvent(db, runId, eventId, params),
      list: (params) => listEvents(db, params),
      listByCorrelationId,
    },
    hooks: {
      get: (hookId, params) => getHook(db, hookId, params),
      getByToken: (token, params) => getHookByToken(db, token, params),
      list: (params) => listHooks(db, params),
    },
  };
}
