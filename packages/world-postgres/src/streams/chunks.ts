import {
  assertSafeId,
  assertStreamName,
  type GetChunksOptions,
  InvalidCursorError,
  type StreamChunksResponse,
  type StreamInfoResponse,
  streamChunkPage,
} from '@worldkit/world';
import type { Database } from '../database.js';

interface ChunkRow {
  chunk_count: number;
  closed: boolean;
  chunk_index: number | null;
  data: Buffer | null;
}

/** A run of a stream's chunks, with what the stream looked like when they were read. */
export interface ChunkBatch {
  /** Chunks written so far (the next index). */
  count: number;
  closed: boolean;
  chunks: { index: number; data: Uint8Array }[];
}

/**
 * Up to `limit` chunks from index `from` on, with the stream's chunk count and EOF, in one query
 * (so the count and EOF agree with the chunks). A stream not written yet is empty and open.
 */
export async function readChunks(
  db: Database,
  name: string,
  from: number,
  limit: number,
): Promise<ChunkBatch> {
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

/** getStreamChunks: one page of chunks; the cursor is the next chunk index. */
export async function getStreamChunks(
  db: Database,
  name: string,
  options: GetChunksOptions = {},
): Promise<StreamChunksResponse> {
  assertStreamName(name);
  const page = streamChunkPage(options);
  const from = page.cursor === undefined ? 0 : chunkCursor(page.cursor);
  const batch = await readChunks(db, name, from, page.limit);
  const last = batch.chunks.at(-1);
  const nextIndex = last === undefined ? from : last.index + 1;
  const hasMore = nextIndex < batch.count;
  return {
    data: batch.chunks,
    cursor: hasMore ? String(nextIndex) : null,
    hasMore,
    done: batch.closed,
  };
}

export async function getStreamInfo(db: Database, name: string): Promise<StreamInfoResponse> {
  assertStreamName(name);
  const { rows } = await db.query<{ chunk_count: number; closed: boolean }>(
    `SELECT chunk_count, closed FROM ${db.schema}.streams WHERE stream_name = $1`,
    [name],
  );
  return { tailIndex: (rows[0]?.chunk_count ?? 0) - 1, done: rows[0]?.closed ?? false };
}

export async function listStreamsByRunId(db: Database, runId: string): Promise<string[]> {
  assertSafeId(runId, 'runId');
  const { rows } = await db.query<{ stream_name: string }>(
    `SELECT stream_name FROM ${db.schema}.streams WHERE run_id = $1
     ORDER BY created_at, stream_name`,
    [runId],
  );
  return rows.map((row) => row.stream_name);
}

function chunkCursor(cursor: string): number {
  if (!/^(0|[1-9][0-9]{0,9})$/.test(cursor)) throw new InvalidCursorError(cursor);
  return Number(cursor);
}
