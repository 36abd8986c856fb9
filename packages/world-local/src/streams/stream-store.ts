import fs from 'node:fs';
import path from 'node:path';
import {
  assertSafeId,
  assertStreamName,
  assertStreamStartIndex,
  InvalidCursorError,
  type StreamChunksResponse,
  type Streamer,
  type StreamInfoResponse,
  streamChunkBytes,
  streamChunkPage,
} from '@worldkit/world';
import { type AppendFiles, isMissing, unlinkQuietly } from '../fs/append-file.js';
import type { ChangeNotifier } from '../fs/change-notifier.js';
import { type FileLocks, withLock } from '../fs/file-lock.js';
import { type Layout, lockNames } from '../fs/layout.js';
import { encodeRecord, parseRecords } from '../fs/record-log.js';

/** A stream file holds data records and, once closed, one end-of-stream record. */
type StreamRecord = { chunk: Uint8Array } | { eof: true };

/** What this process knows of one stream file, up to byte `offset`. */
interface StreamIndex {
  /** The inode of the file it was read from. */
  inode: number;
  offset: number;
  observedSize: number;
  /** Byte ranges of the data records, by chunk index. */
  chunks: Array<[start: number, end: number]>;
  done: boolean;
}

export interface StreamStoreOptions {
  pollIntervalMs: number;
  lockTimeoutMs: number;
}

/**
 * Streams on disk: one append-only file of framed records per stream (named by a hash of the
 * stream name), written under the stream's lock so a torn tail left by a crash is truncated
 * before the next chunk. Readers tail the file from any process, woken by the change notifier.
 */
export class StreamStore {
  private readonly indexes = new Map<string, StreamIndex>();
  private readonly registered = new Set<string>();
  private readonly readers = new Set<AbortController>();

  constructor(
    private readonly layout: Layout,
    private readonly files: AppendFiles,
    private readonly locks: FileLocks,
    private readonly notifier: ChangeNotifier,
    private readonly options: StreamStoreOptions,
  ) {}

  streamer(): Omit<Streamer, 'streamFlushIntervalMs'> {
    return {
      writeToStream: (name, runId, chunk) => this.append(name, runId, [streamChunkBytes(chunk)]),
      writeToStreamMulti: (name, runId, chunks) =>
        this.append(
          name,
          runId,
          chunks.map((chunk) => streamChunkBytes(chunk)),
        ),
      closeStream: (name, runId) => this.append(name, runId, [], true),
      readFromStream: async (name, startIndex = 0) => this.reader(name, startIndex),
      listStreamsByRunId: async (runId) => this.streamsOf(runId),
      getStreamChunks: async (name, runId, options) => this.chunksPage(name, runId, options),
      getStreamInfo: async (name, runId) => this.info(name, runId),
    };
  }

  /** Ends every open reader (their streams error), e.g. when the World closes. */
  close(): void {
    for (const reader of this.readers) reader.abort();
    this.readers.clear();
  }

  private async append(
    name: string,
    runId: string,
    chunks: Uint8Array[],
    close = false,
  ): Promise<void> {
    assertStreamName(name);
    assertSafeId(runId, 'runId');
    const file = this.layout.streamChunks(name);
    await withLock(
      this.locks,
      lockNames.stream(name),
      () => {
        const existing = this.openFile(file);
        // A new stream file (also one written after a prune deleted the stream) is listed again.
        this.register(name, runId, existing === undefined);
        const fd = existing?.fd ?? this.files.fd(file, true)!;
        const index = existing?.index ?? this.refresh(file, fd, this.files.statIfLinked(fd)!);
        if (index.observedSize > index.offset) this.files.truncate(fd, index.offset);
        // After the end of the stream, further writes and closes change nothing.
        if (index.done) return;
        const records = chunks.map((chunk) => encodeRecord({ chunk }));
        if (close) records.push(encodeRecord({ eof: true }));
        if (records.length === 0) return;
        this.files.append(fd, Buffer.concat(records));
      },
      { timeoutMs: this.options.lockTimeoutMs },
    );
    this.notifier.notify(path.basename(file));
  }

  /**
   * Adds the stream to its run's list once per process, and `again` when its file is new
   * (duplicates are dropped on read).
   */
  private register(name: string, runId: string, again: boolean): void {
    const key = `${runId}\n${name}`;
    if (this.registered.has(key) && !again) return;
    fs.appendFileSync(this.layout.streamsOfRun(runId), `${name}\n`);
    this.registered.add(key);
  }

  private streamsOf(runId: string): string[] {
    try {
      const text = fs.readFileSync(this.layout.streamsOfRun(runId), 'utf8');
      return [...new Set(text.split('\n').filter(Boolean))];
    } catch (error) {
      if (isMissing(error)) return [];
      throw error;
    }
  }

  /**
   * Deletes the streams of a pruned run, each file under its stream's lock, then the run's list
   * of them. A stream written again afterwards starts over as a new stream.
   */
  async deleteStreamsOf(runId: string): Promise<void> {
    for (const name of this.streamsOf(runId)) {
      const file = this.layout.streamChunks(name);
      await withLock(
        this.locks,
        lockNames.stream(name),
        () => {
          unlinkQuietly(file);
          this.files.drop(file);
          this.indexes.delete(file);
        },
        { timeoutMs: this.options.lockTimeoutMs },
      );
      this.locks.discard(lockNames.stream(name));
      this.registered.delete(`${runId}\n${name}`);
    }
    unlinkQuietly(this.layout.streamsOfRun(runId));
  }

  /** The stream's index as its file says now; an empty index when the file does not exist yet. */
  private current(name: string): { file: string; fd: number | undefined; index: StreamIndex } {
    assertStreamName(name);
    const file = this.layout.streamChunks(name);
    const open = this.openFile(file);
    return { file, fd: open?.fd, index: open?.index ?? emptyIndex() };
  }

  /**
   * The stream file, open, and its index; undefined when there is none. A descriptor kept open
   * of a file that was deleted since (its run was pruned) is closed and the path looked up again.
   */
  private openFile(file: string): { fd: number; index: StreamIndex } | undefined {
    for (;;) {
      const fd = this.files.fd(file, false);
      if (fd === undefined) return undefined;
      const stat = this.files.statIfLinked(fd);
      if (stat !== undefined) return { fd, index: this.refresh(file, fd, stat) };
      this.files.drop(file);
      this.indexes.delete(file);
    }
  }

  private refresh(file: string, fd: number, stat: { size: number; ino: number }): StreamIndex {
    let index = this.indexes.get(file);
    const { size } = stat;
    // Another file at the same path (deleted and written again) starts over.
    if (index === undefined || size < index.offset || index.inode !== stat.ino) {
      index = emptyIndex(stat.ino);
      this.indexes.set(file, index);
    }
    index.observedSize = size;
    if (size > index.offset && !index.done) {
      const parsed = parseRecords<StreamRecord>(
        this.files.read(fd, index.offset, size),
        index.offset,
      );
      for (const record of parsed.records) {
        if ('eof' in record.value) {
          index.done = true;
          index.offset = record.end;
          break;
        }
        index.chunks.push([record.offset, record.end]);
        index.offset = record.end;
      }
    }
    return index;
  }

  private readChunk(fd: number, range: [number, number]): Uint8Array {
    const parsed = parseRecords<StreamRecord>(this.files.read(fd, range[0], range[1]), range[0]);
    const value = parsed.records[0]?.value;
    if (value === undefined || !('chunk' in value)) {
      throw new Error(`stream record at ${range[0]} is unreadable`);
    }
    return value.chunk;
  }

  private info(name: string, runId: string): StreamInfoResponse {
    assertSafeId(runId, 'runId');
    const { index } = this.current(name);
    return { tailIndex: index.chunks.length - 1, done: index.done };
  }

  private chunksPage(
    name: string,
    runId: string,
    options: { limit?: number; cursor?: string } = {},
  ): StreamChunksResponse {
    assertSafeId(runId, 'runId');
    const page = streamChunkPage(options);
    let start = 0;
    if (page.cursor !== undefined) {
      start = Number(Buffer.from(page.cursor, 'base64url').toString('utf8'));
      if (!Number.isSafeInteger(start) || start < 0) throw new InvalidCursorError(page.cursor);
    }
    const { fd, index } = this.current(name);
    const end = Math.min(index.chunks.length, start + page.limit);
    const data = [];
    for (let i = start; i < end; i++)
      data.push({ index: i, data: this.readChunk(fd!, index.chunks[i]!) });
    const hasMore = end < index.chunks.length;
    return {
      data,
      cursor: hasMore ? Buffer.from(String(end)).toString('base64url') : null,
      hasMore,
      done: index.done,
    };
  }

  /**
   * A live reader. A negative start counts back from the chunks written so far; a start beyond
   * them skips chunks until that many exist, however late they arrive. Empty chunks count as
   * indices but are not emitted.
   */
  private reader(name: string, startIndex: number): ReadableStream<Uint8Array> {
    assertStreamStartIndex(startIndex);
    const initial = this.current(name);
    let next = startIndex < 0 ? Math.max(0, initial.index.chunks.length + startIndex) : startIndex;
    const stop = new AbortController();
    this.readers.add(stop);
    const file = path.basename(initial.file);
    const finish = () => {
      stop.abort();
      this.readers.delete(stop);
    };
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        for (;;) {
          if (stop.signal.aborted) {
            finish();
            controller.error(new Error('the World was closed while the stream was being read'));
            return;
          }
          const { fd, index } = this.current(name);
          let emitted = false;
          while (fd !== undefined && next < index.chunks.length) {
            const chunk = this.readChunk(fd, index.chunks[next]!);
            next++;
            if (chunk.byteLength > 0) {
              controller.enqueue(chunk);
              emitted = true;
            }
          }
          if (index.done && next >= index.chunks.length) {
            finish();
            controller.close();
            return;
          }
          if (emitted) return;
          await this.notifier.wait(file, this.options.pollIntervalMs, stop.signal);
        }
      },
      cancel: () => {
        this.readers.delete(stop);
        stop.abort();
      },
    });
  }
}

function emptyIndex(inode = -1): StreamIndex {
  return { inode, offset: 0, observedSize: 0, chunks: [], done: false };
}
