import {
  assertSafeId,
  assertStreamName,
  InvalidInputError,
  streamChunkBytes,
} from '@worldkit/world';
import type { Database } from '../database.js';

/**
 * write_stream() allocates the chunks' indices under the stream row's lock and inserts them in
 * the same statement; `close` records the EOF. It also NOTIFYs the stream's readers.
 */
function writeStream(
  db: Database,
  name: string,
  runId: string,
  chunks: Buffer[],
  close: boolean,
): Promise<unknown> {
  return db.query(`SELECT ${db.schema}.write_stream($1, $2, $3::bytea[], $4)`, [
    name,
    runId,
    chunks,
    close,
  ]);
}

export async function writeToStream(
  db: Database,
  name: string,
  runId: string,
  chunk: unknown,
): Promise<void> {
  assertStreamName(name);
  assertSafeId(runId, 'runId');
  await writeStream(db, name, runId, [toBuffer(chunk, 'chunk')], false);
}

export async function writeToStreamMulti(
  db: Database,
  name: string,
  runId: string,
  chunks: unknown,
): Promise<void> {
  assertStreamName(name);
  assertSafeId(runId, 'runId');
  if (!Array.isArray(chunks)) throw new InvalidInputError('chunks', 'expected an array');
  if (chunks.length === 0) return;
  await writeStream(
    db,
    name,
    runId,
    chunks.map((chunk, i) => toBuffer(chunk, `chunks.${i}`)),
    false,
  );
}

export async function closeStream(db: Database, name: string, runId: string): Promise<void> {
  assertStreamName(name);
  assertSafeId(runId, 'runId');
  await writeStream(db, name, runId, [], true);
}

/** A chunk as the Buffer `pg` sends as bytea (a view, not a copy). */
function toBuffer(chunk: unknown, field: string): Buffer {
  const bytes = streamChunkBytes(chunk, field);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
