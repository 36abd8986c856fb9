import {
  assertSafeId,
  assertStreamName,
  assertStreamStartIndex,
  type GetChunksOptions,
  InvalidCursorError,
  type StreamChunk,
  type StreamChunksResponse,
  type StreamInfoResponse,
  streamChunkBytes,
  streamChunkPage,
} from '@worldkit/world';
import type { RedisWorldConfig } from '../config.js';
import { runScript } from '../scripts.js';
import { type StoreContext, transport } from '../store-context.js';
import { readEntries, sequenceOf } from './entries.js';
import { StreamReader } from './stream-reader.js';

/**
 * Streams on Redis Streams: one entry per chunk with id `0-<index + 1>`, an EOF entry on close,
 * a `meta` hash (count, done) and a per-run registry for `listStreamsByRunId`. The registry lives
 * in the run's scope, the stream in its own, so they are written by two commands: the registry
 * first, so a stream is never written without being listed.
 */
export class RedisStreams {
  private readonly readers = new Set<StreamReader>();

  constructor(
    private readonly store: StoreContext,
    private readonly config: RedisWorldConfig,
  ) {}

  async write(name: string, runId: string, chunks: (string | Uint8Array)[]): Promise<void> {
    assertStreamName(name);
    assertSafeId(runId, 'runId');
    const data = chunks.map((chunk) => streamChunkBytes(chunk));
    await transport(async () => {
      await this.register(name, runId);
      if (data.length === 0) return;
      await runScript(
        this.store.redis(),
        'streamAppend',
        [this.store.keys.stream(name).chunks],
        data,
      );
    });
  }

  async close(name: string, runId: string): Promise<void> {
    assertStreamName(name);
    assertSafeId(runId, 'runId');
    await transport(async () => {
      await this.register(name, runId);
      await runScript(this.store.redis(), 'streamClose', [this.store.keys.stream(name).chunks], []);
    });
  }

  private async register(name: string, runId: string): Promise<void> {
    await this.store.redis().sadd(this.store.keys.run(runId).streams, name);
  }

  async list(runId: string): Promise<string[]> {
    if (typeof runId !== 'string' || runId === '') return [];
    return transport(async () =>
      (await this.store.redis().smembers(this.store.keys.run(runId).streams)).sort(),
    );
  }

  async info(name: string): Promise<StreamInfoResponse> {
    assertStreamName(name);
    const { count, done } = await transport(() => this.meta(name));
    return { tailIndex: count - 1, done };
  }

  /** A snapshot page: the meta first, then entries bounded by its count, so both agree. */
  async chunks(name: string, options: GetChunksOptions = {}): Promise<StreamChunksResponse> {
    assertStreamName(name);
    const page = streamChunkPage(options);
    const start = page.cursor === undefined ? 0 : cursorIndex(page.cursor);
    return transport(async () => {
      const { count, done } = await this.meta(name);
      const end = Math.min(count, start + page.limit);
      const data: StreamChunk[] = [];
      if (end > start) {
        const entries = await readEntries(this.store, name, `0-${start + 1}`, `0-${end}`);
        for (const [id, fields] of entries) {
          if (fields[0]?.toString() === 'd')
            data.push({ index: sequenceOf(id) - 1, data: new Uint8Array(fields[1]!) });
        }
      }
      const hasMore = end < count;
      return { data, cursor: hasMore ? String(end) : null, hasMore, done };
    });
  }

  private async meta(name: string): Promise<{ count: number; done: boolean }> {
    const [count, done] = await this.store
      .redis()
      .hmget(this.store.keys.stream(name).meta, 'count', 'done');
    return { count: Number(count ?? 0), done: done === '1' };
  }

  async read(name: string, startIndex = 0): Promise<ReadableStream<Uint8Array>> {
    assertStreamName(name);
    assertStreamStartIndex(startIndex);
    let next = startIndex;
    if (startIndex < 0) {
      // A negative start counts back from the end, resolved once, at open.
      const { count } = await transport(() => this.meta(name));
      next = Math.max(0, count + startIndex);
    }
    const reader = new StreamReader(this.store, this.config, name, next, () =>
      this.readers.delete(reader),
    );
    this.readers.add(reader);
    return reader.stream;
  }

  /** Ends every open reader (with an error: the stream did not reach its end). */
  async closeAll(): Promise<void> {
    await Promise.all(
      [...this.readers].map((reader) => reader.abort(new Error('the World was closed'))),
    );
  }
}

function cursorIndex(cursor: string): number {
  if (!/^[0-9]{1,15}$/.test(cursor)) throw new InvalidCursorError(cursor);
  return Number(cursor);
}
