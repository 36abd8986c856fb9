import {
  assertSafeId,
  assertStreamName,
  assertStreamStartIndex,
  type GetChunksOptions,
  InvalidCursorError,
  InvalidInputError,
  type StreamChunksResponse,
  type Streamer,
  type StreamInfoResponse,
  streamChunkBytes,
  streamChunkPage,
  WorkflowWorldError,
} from '@worldkit/world';
import type { Database } from '../database.js';
import type { Notifications } from '../notifications.js';

/** Chunks fetched per reader query. */
const READ_BATCH = 100;

interface ChunkRow {
  chunk_count: number;
  closed: boolean;
  chunk_index: number | null;
  data: Buffer | null;
}

export interface StreamsOptions {
  db: Database;
  notifications: () => Notifications;
  pollIntervalMs: number;
}

export interface PostgresStreamer extends Streamer {
  /** Errors every open reader (the World is closing). */
  closeReaders(): void;
}

/**
 * Streams in two tables: `streams` allocates indices and records the EOF, `stream_chunks` holds
 * the data. Readers query the tables; NOTIFY (sent by write_stream()) only wakes them early, and
 * a poll timer keeps them going when a notification is lost or the listening connection is down.
 */
export function createStreamer({
  db,
  notifications,
  pollIntervalMs,
}: StreamsOptions): PostgresStreamer {
  const readers = new Set<(error: Error) => void>();
  const write = (name: string, runId: string, chunks: Buffer[], close: boolean) =>
    db.query(`SELECT ${db.schema}.write_stream($1, $2, $3::bytea[], $4)`, [
      name,
      runId,
      chunks,
      close,
    ]);

  async function readChunks(name: string, from: number, limit: number) {
    const { rows } = await db.query<ChunkRow>(
      `SELECT s.chunk_count, s.closed, c.chunk_index, c.data
       FROM ${db.schema}.streams AS s
       LEFT JOIN LATERAL (
         SELECT chunk_index, data FROM ${db.schema}.stream_chunks
         WHERE stream_name = s.stream_name AND chunk_index >= $2
         ORDER BY chunk_index LIMIT $3
       ) AS c ON true
       WHERE s.stream_name = $1`,
      [name, from, limit],
    );
    const first = rows[0];
    return {
      count: first?.chunk_count ?? 0,
      closed: first?.closed ?? false,
      chunks: rows
        .filter((row) => row.chunk_index !== null)
        .map((row) => ({ index: row.chunk_index!, data: new Uint8Array(row.data!) })),
    };
  }

  async function readFromStream(name: string, startIndex = 0): Promise<ReadableStream<Uint8Array>> {
    assertStreamName(name);
    assertStreamStartIndex(startIndex);
    // A negative start counts back from the data written so far, resolved once, now.
    let next =
      startIndex >= 0 ? startIndex : Math.max(0, (await readChunks(name, 0, 0)).count + startIndex);
    let wake: (() => void) | undefined;
    // A wake-up that arrives while the reader is looking (its query may have run before the
    // write it announces) is kept, so the sleep after that look returns at once.
    let wokenWhileLooking = false;
    const signal = () => {
      if (wake === undefined) wokenWhileLooking = true;
      else wake();
    };
    let failure: Error | undefined;
    let done = false;
    const channel = notifications().channel('stream');
    const unsubscribe = notifications().subscribe(channel, (payload) => {
      if (payload === name || payload === '*') signal();
    });
    const stop = (error?: Error) => {
      if (done) return;
      done = true;
      failure = error;
      unsubscribe();
      readers.delete(stop);
      signal();
    };
    readers.add(stop);

    const sleep = () =>
      new Promise<void>((resolve) => {
        if (wokenWhileLooking) {
          resolve();
          return;
        }
        const timer = setTimeout(finish, pollIntervalMs);
        timer.unref();
        function finish() {
          clearTimeout(timer);
          wake = undefined;
          resolve();
        }
        wake = finish;
      });

    return new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          for (;;) {
            if (done) {
              if (failure !== undefined) controller.error(failure);
              else controller.close();
              return;
            }
            let batch: Awaited<ReturnType<typeof readChunks>>;
            wokenWhileLooking = false;
            try {
              batch = await readChunks(name, next, READ_BATCH);
            } catch {
              // The server may be restarting: keep the reader and look again after a pause.
              await sleep();
              continue;
            }
            let delivered = false;
            for (const chunk of batch.chunks) {
              next = chunk.index + 1;
              // Empty chunks count as indices but carry nothing to read.
              if (chunk.data.length > 0) {
                controller.enqueue(chunk.data);
                delivered = true;
              }
            }
            if (batch.chunks.length === READ_BATCH && !delivered) continue;
            if (delivered) return;
            if (batch.closed && next >= batch.count) {
              stop();
              controller.close();
              return;
            }
            await sleep();
          }
        },
        cancel() {
          stop();
        },
      },
      { highWaterMark: 1 },
    );
  }

  return {
    streamFlushIntervalMs: 1,

    async writeToStream(name, runId, chunk) {
      assertStreamName(name);
      assertSafeId(runId, 'runId');
      await write(name, runId, [toBuffer(chunk, 'chunk')], false);
    },

    async writeToStreamMulti(name, runId, chunks) {
      assertStreamName(name);
      assertSafeId(runId, 'runId');
      if (!Array.isArray(chunks)) throw new InvalidInputError('chunks', 'expected an array');
      if (chunks.length === 0) return;
      await write(
        name,
        runId,
        chunks.map((chunk, i) => toBuffer(chunk, `chunks.${i}`)),
        false,
      );
    },

    async closeStream(name, runId) {
      assertStreamName(name);
      assertSafeId(runId, 'runId');
      await write(name, runId, [], true);
    },

    readFromStream,

    async listStreamsByRunId(runId) {
      assertSafeId(runId, 'runId');
      const { rows } = await db.query<{ stream_name: string }>(
        `SELECT stream_name FROM ${db.schema}.streams WHERE run_id = $1
         ORDER BY created_at, stream_name`,
        [runId],
      );
      return rows.map((row) => row.stream_name);
    },

    async getStreamChunks(
      name,
      _runId,
      options: GetChunksOptions = {},
    ): Promise<StreamChunksResponse> {
      assertStreamName(name);
      const page = streamChunkPage(options);
      const from = page.cursor === undefined ? 0 : chunkCursor(page.cursor);
      const batch = await readChunks(name, from, page.limit);
      const last = batch.chunks.at(-1);
      const nextIndex = last === undefined ? from : last.index + 1;
      const hasMore = nextIndex < batch.count;
      return {
        data: batch.chunks,
        cursor: hasMore ? String(nextIndex) : null,
        hasMore,
        done: batch.closed,
      };
    },

    async getStreamInfo(name, _runId): Promise<StreamInfoResponse> {
      assertStreamName(name);
      const { rows } = await db.query<{ chunk_count: number; closed: boolean }>(
        `SELECT chunk_count, closed FROM ${db.schema}.streams WHERE stream_name = $1`,
        [name],
      );
      return { tailIndex: (rows[0]?.chunk_count ?? 0) - 1, done: rows[0]?.closed ?? false };
    },

    closeReaders() {
      for (const stop of [...readers]) {
        stop(
          new WorkflowWorldError('the World was closed while this stream was being read', {
            status: 503,
          }),
        );
      }
    },
  };
}

/** A chunk as the Buffer `pg` sends as bytea (a view, not a copy). */
function toBuffer(chunk: unknown, field: string): Buffer {
  const bytes = streamChunkBytes(chunk, field);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function chunkCursor(cursor: string): number {
  if (!/^(0|[1-9][0-9]{0,9})$/.test(cursor)) throw new InvalidCursorError(cursor);
  return Number(cursor);
}
