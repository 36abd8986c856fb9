import { assertStreamName, assertStreamStartIndex, WorkflowWorldError } from '@worldkit/world';
import type { Database } from '../database.js';
import type { Notifications } from '../notifications.js';
import { type ChunkBatch, readChunks } from './chunks.js';
import { WakeUp } from './wake-up.js';

/** Chunks fetched per reader query. */
const READ_BATCH = 100;

export interface LiveReadersOptions {
  db: Database;
  notifications: () => Notifications;
  pollIntervalMs: number;
}

export interface LiveReaders {
  readFromStream(name: string, startIndex?: number): Promise<ReadableStream<Uint8Array>>;
  /** Errors every open reader (the World is closing). */
  closeReaders(): void;
}

/**
 * readFromStream: live readers that tail a stream until its EOF. Readers query the tables;
 * NOTIFY (sent by write_stream()) only wakes them early, and a poll timer keeps them going when a
 * notification is lost or the listening connection is down. A chunk written before the reader's
 * LISTEN took effect is not lost either: `Notifications` wakes every subscriber of a channel once
 * (payload `*`) when its LISTEN takes effect.
 */
export function createLiveReaders({
  db,
  notifications,
  pollIntervalMs,
}: LiveReadersOptions): LiveReaders {
  const open = new Set<(error: Error) => void>();

  async function readFromStream(name: string, startIndex = 0): Promise<ReadableStream<Uint8Array>> {
    assertStreamName(name);
    assertStreamStartIndex(startIndex);
    // A negative start counts back from the data written so far, resolved once, now.
    let next =
      startIndex >= 0
        ? startIndex
        : Math.max(0, (await readChunks(db, name, 0, 0)).count + startIndex);
    const wakeUp = new WakeUp(pollIntervalMs);
    let failure: Error | undefined;
    let done = false;
    const channel = notifications().channel('stream');
    const unsubscribe = notifications().subscribe(channel, (payload) => {
      if (payload === name || payload === '*') wakeUp.signal();
    });
    const stop = (error?: Error) => {
      if (done) return;
      done = true;
      failure = error;
      unsubscribe();
      open.delete(stop);
      wakeUp.signal();
    };
    open.add(stop);

    return new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          for (;;) {
            if (done) {
              if (failure !== undefined) controller.error(failure);
              else controller.close();
              return;
            }
            let batch: ChunkBatch;
            wakeUp.looking();
            try {
              batch = await readChunks(db, name, next, READ_BATCH);
            } catch {
              // The server may be restarting: keep the reader and look again after a pause.
              await wakeUp.sleep();
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
            await wakeUp.sleep();
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
    readFromStream,
    closeReaders() {
      for (const stop of [...open]) {
        stop(
          new WorkflowWorldError('the World was closed while this stream was being read', {
            status: 503,
          }),
        );
      }
    },
  };
}
