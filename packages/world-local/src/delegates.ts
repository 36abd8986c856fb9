import type { Storage, Streamer } from '@worldkit/world';
import type { Engine } from './engine.js';

/**
 * Storage calls run their file work synchronously, so an `await` on one would otherwise resolve
 * without ever giving the event loop a turn: a caller polling in a loop (a reader tailing a log)
 * would starve timers, sockets and child-process pipes. Each call first yields once, as real I/O
 * would.
 */
function afterTurn<T>(call: () => Promise<T>): Promise<T> {
  return new Promise<void>((resolve) => setImmediate(resolve)).then(call);
}

export function delegateStorage(storage: () => Storage): Storage {
  return {
    runs: {
      get: (...args: [any, any?]) => afterTurn(() => storage().runs.get(...args)),
      list: (...args: [any?]) => afterTurn(() => storage().runs.list(...args)),
    } as Storage['runs'],
    steps: {
      get: (...args: [any, any, any?]) => afterTurn(() => storage().steps.get(...args)),
      list: (...args: [any]) => afterTurn(() => storage().steps.list(...args)),
    } as Storage['steps'],
    events: {
      create: (...args: [any, any, any?]) => afterTurn(() => storage().events.create(...args)),
      createBatch: (...args: [any, any, any?]) =>
        afterTurn(() => storage().events.createBatch!(...args)),
      get: (...args) => afterTurn(() => storage().events.get(...args)),
      list: (...args) => afterTurn(() => storage().events.list(...args)),
      listByCorrelationId: (...args) =>
        afterTurn(() => storage().events.listByCorrelationId(...args)),
    } as Storage['events'],
    hooks: {
      get: (...args) => afterTurn(() => storage().hooks.get(...args)),
      getByToken: (...args) => afterTurn(() => storage().hooks.getByToken(...args)),
      list: (...args) => afterTurn(() => storage().hooks.list(...args)),
    },
  };
}

export function delegateStreamer(streamer: () => Engine['streamer']) {
  return {
    writeToStream: (...args) => afterTurn(() => streamer().writeToStream(...args)),
    writeToStreamMulti: (...args) => afterTurn(() => streamer().writeToStreamMulti!(...args)),
    closeStream: (...args) => afterTurn(() => streamer().closeStream(...args)),
    readFromStream: (...args) => streamer().readFromStream(...args),
    listStreamsByRunId: (...args) => afterTurn(() => streamer().listStreamsByRunId(...args)),
    getStreamChunks: (...args) => afterTurn(() => streamer().getStreamChunks(...args)),
    getStreamInfo: (...args) => afterTurn(() => streamer().getStreamInfo(...args)),
  } satisfies Omit<Streamer, 'streamFlushIntervalMs'>;
}
