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
import type { Redis } from 'ioredis';
import type { RedisWorldConfig } from '../config.js';
import { createClient } from '../connection.js';
import { runScript } from '../scripts.js';
import { type StoreContext, transport } from '../store-context.js';

const READ_BATCH = 100;

type StreamEntry = [id: Buffer, fields: Buffer[]];

/** A chunk's position from its entry id `0-<index + 1>`. */
function sequenceOf(entryId: Buffer): number {
  const text = entryId.toString();
  return Number(text.slice(text.indexOf('-') + 1));
}

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
        const entries = (await this.store
          .redis()
          .xrangeBuffer(
            this.store.keys.stream(name).chunks,
            `0-${start + 1}`,
            `0-${end}`,
          )) as unknown as StreamEntry[];
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
      .hmget(`${this.store.keys.streamScope(name)}meta`, 'count', 'done');
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

/**
 * A live reader: it reads what exists with XRANGE, then tails with a blocking XREAD on its own
 * connection (blocking for at most the stream poll interval, so a dropped wake-up costs one
 * interval at worst), and closes at the EOF entry. Empty chunks keep their index but are not
 * emitted.
 */
class StreamReader {
  readonly stream: ReadableStream<Uint8Array>;
  private blocking: Redis | undefined;
  private done = false;
  private controller!: ReadableStreamDefaultController<Uint8Array>;

  constructor(
    private readonly store: StoreContext,
    private readonly config: RedisWorldConfig,
    private readonly name: string,
    /** The next chunk index to emit. */
    private next: number,
    private readonly onEnd: () => void,
  ) {
    this.stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.controller = controller;
        },
        pull: () => this.pull(),
        cancel: () => this.finish(),
      },
      { highWaterMark: 1 },
    );
  }

  private get key(): string {
    return this.store.keys.stream(this.name).chunks;
  }

  private async pull(): Promise<void> {
    while (!this.done) {
      try {
        const entries = (await this.store
          .redis()
          .xrangeBuffer(
            this.key,
            `0-${this.next + 1}`,
            '+',
            'COUNT',
            READ_BATCH,
          )) as unknown as StreamEntry[];
        if (this.emit(entries)) return;
        await this.waitForMore();
      } catch {
        if (this.done) return;
        // Redis unreachable: poll again shortly; the connections reconnect by themselves.
        await new Promise((resolve) =>
          setTimeout(resolve, Math.min(this.config.streamPollIntervalMs, 250)),
        );
      }
    }
  }

  /** Enqueues entries; true when something was emitted or the stream ended. */
  private emit(entries: StreamEntry[]): boolean {
    let emitted = false;
    for (const [id, fields] of entries) {
      if (this.done) return true;
      const sequence = sequenceOf(id);
      if (sequence <= this.next) continue;
      if (fields[0]?.toString() === 'eof') {
        this.controller.close();
        void this.finish();
        return true;
      }
      this.next = sequence;
      const data = fields[1]!;
      if (data.length > 0) {
        this.controller.enqueue(new Uint8Array(data));
        emitted = true;
      }
    }
    return emitted;
  }

  private async waitForMore(): Promise<void> {
    this.blocking ??= createClient(this.store.endpoint, { maxRetriesPerRequest: null });
    await this.blocking.xreadBuffer(
      'COUNT',
      1,
      'BLOCK',
      Math.max(1, this.config.streamPollIntervalMs),
      'STREAMS',
      this.key,
      `0-${this.next}`,
    );
  }

  async abort(error: Error): Promise<void> {
    if (this.done) return;
    this.controller.error(error);
    await this.finish();
  }

  private async finish(): Promise<void> {
    if (this.done) return;
    this.done = true;
    this.onEnd();
    const blocking = this.blocking;
    this.blocking = undefined;
    // A blocked XREAD would hold a QUIT back for the poll interval: drop the socket instead.
    blocking?.disconnect();
  }
}
