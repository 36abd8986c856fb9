import {
  assertSafeId,
  assertStreamName,
  InvalidCursorError,
  InvalidInputError,
  type Streamer,
  streamChunkPage,
} from '@worldkit/world';

interface StreamRecord {
  chunks: Uint8Array[];
  done: boolean;
  /** Wakes live readers when a chunk or the end arrives. */
  listeners: Set<() => void>;
}

/** Streams of one in-memory backend, shared by every World instance over it. */
export class MemoryStreams {
  readonly streams = new Map<string, StreamRecord>();
  readonly namesByRun = new Map<string, Set<string>>();

  stream(name: string): StreamRecord {
    let record = this.streams.get(name);
    if (record === undefined) {
      record = { chunks: [], done: false, listeners: new Set() };
      this.streams.set(name, record);
    }
    return record;
  }

  register(name: string, runId: string): StreamRecord {
    let names = this.namesByRun.get(runId);
    if (names === undefined) {
      names = new Set();
      this.namesByRun.set(runId, names);
    }
    names.add(name);
    return this.stream(name);
  }
}

const encoder = new TextEncoder();

function toBytes(chunk: unknown, field: string): Uint8Array {
  if (typeof chunk === 'string') return encoder.encode(chunk);
  if (chunk instanceof Uint8Array) return new Uint8Array(chunk);
  throw new InvalidInputError(field, 'expected a string or a Uint8Array');
}

/**
 * The `Streamer` of the memory World. `readers` tracks this instance's open readers so that
 * `close()` can settle them.
 */
export function createMemoryStreamer(
  streams: MemoryStreams,
  readers: Set<(error: Error) => void>,
  assertOpen: () => void,
): Required<Omit<Streamer, 'streamFlushIntervalMs'>> & { streamFlushIntervalMs: number } {
  function wake(record: StreamRecord): void {
    for (const listener of [...record.listeners]) listener();
  }

  function append(name: string, runId: string, chunks: Uint8Array[]): void {
    const record = streams.register(name, runId);
    if (record.done) return; // writes after the end are ignored, as after an EOF marker
    record.chunks.push(...chunks);
    wake(record);
  }

  function validate(name: unknown, runId: unknown): void {
    assertOpen();
    assertStreamName(name);
    assertSafeId(runId, 'runId');
  }

  return {
    streamFlushIntervalMs: 0,

    async writeToStream(name, runId, chunk) {
      validate(name, runId);
      append(name, runId, [toBytes(chunk, 'chunk')]);
    },

    async writeToStreamMulti(name, runId, chunks) {
      validate(name, runId);
      if (!Array.isArray(chunks)) throw new InvalidInputError('chunks', 'expected an array');
      append(
        name,
        runId,
        chunks.map((chunk, index) => toBytes(chunk, `chunks.${index}`)),
      );
    },

    async closeStream(name, runId) {
      validate(name, runId);
      const record = streams.register(name, runId);
      record.done = true;
      wake(record);
    },

    async readFromStream(name, startIndex = 0) {
      assertOpen();
      assertStreamName(name);
      if (!Number.isInteger(startIndex)) {
        throw new InvalidInputError('startIndex', 'expected an integer');
      }
      const record = streams.stream(name);
      // A negative start counts back from the chunks written so far, resolved once at open.
      let next = startIndex < 0 ? Math.max(0, record.chunks.length + startIndex) : startIndex;
      let wakeReader: (() => void) | undefined;
      let fail: ((error: Error) => void) | undefined;
      const detach = () => {
        if (wakeReader) record.listeners.delete(wakeReader);
        if (fail) readers.delete(fail);
      };
      return new ReadableStream<Uint8Array>({
        start(controller) {
          fail = (error) => {
            detach();
            controller.error(error);
          };
          readers.add(fail);
        },
        async pull(controller) {
          for (;;) {
            while (next < record.chunks.length) {
              const chunk = record.chunks[next++]!;
              // Empty chunks count as indices but carry nothing to deliver.
              if (chunk.byteLength > 0) {
                controller.enqueue(new Uint8Array(chunk));
                return;
              }
            }
            if (record.done) {
              detach();
              controller.close();
              return;
            }
            await new Promise<void>((resolve) => {
              wakeReader = () => {
                record.listeners.delete(wakeReader!);
                resolve();
              };
              record.listeners.add(wakeReader);
            });
          }
        },
        cancel() {
          detach();
        },
      });
    },

    async listStreamsByRunId(runId) {
      assertOpen();
      assertSafeId(runId, 'runId');
      return [...(streams.namesByRun.get(runId) ?? [])];
    },

    async getStreamChunks(name, runId, options = {}) {
      validate(name, runId);
      const { limit, cursor } = streamChunkPage(options);
      const record = streams.streams.get(name);
      const chunks = record?.chunks ?? [];
      let start = 0;
      if (cursor !== undefined) {
        start = Number(cursor);
        if (!/^\d+$/.test(cursor) || start > chunks.length) throw new InvalidCursorError(cursor);
      }
      const end = Math.min(chunks.length, start + limit);
      const data = chunks
        .slice(start, end)
        .map((chunk, offset) => ({ index: start + offset, data: new Uint8Array(chunk) }));
      const hasMore = end < chunks.length;
      return { data, cursor: hasMore ? String(end) : null, hasMore, done: record?.done ?? false };
    },

    async getStreamInfo(name, runId) {
      validate(name, runId);
      const record = streams.streams.get(name);
      return { tailIndex: (record?.chunks.length ?? 0) - 1, done: record?.done ?? false };
    },
  };
}
