import type { Streamer } from '@worldkit/world';
import { getStreamChunks, getStreamInfo, listStreamsByRunId } from './chunks.js';
import { createLiveReaders, type LiveReaders, type LiveReadersOptions } from './live-reader.js';
import { closeStream, writeToStream, writeToStreamMulti } from './writes.js';

/** Only live readers need more than the database: the notifications and the poll interval. */
export type StreamsOptions = LiveReadersOptions;

export interface PostgresStreamer extends Streamer, LiveReaders {}

/**
 * Streams in two tables: `streams` allocates indices and records the EOF, `stream_chunks` holds
 * the data. Writes (`writes.ts`), pages and info (`chunks.ts`) are single statements; live
 * readers (`live-reader.ts`) tail the tables, woken early by NOTIFY.
 */
export function createStreamer(options: StreamsOptions): PostgresStreamer {
  const { db } = options;
  const { readFromStream, closeReaders } = createLiveReaders(options);
  return {
    streamFlushIntervalMs: 1,
    writeToStream: (name, runId, chunk) => writeToStream(db, name, runId, chunk),
    writeToStreamMulti: (name, runId, chunks) => writeToStreamMulti(db, name, runId, chunks),
    closeStream: (name, runId) => closeStream(db, name, runId),
    readFromStream,
    listStreamsByRunId: (runId) => listStreamsByRunId(db, runId),
    getStreamChunks: (name, _runId, options) => getStreamChunks(db, name, options),
    getStreamInfo: (name, _runId) => getStreamInfo(db, name),
    closeReaders,
  };
}
