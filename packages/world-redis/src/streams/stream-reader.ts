import { setTimeout as delay } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { RedisWorldConfig } from '../config.js';
import { createBlockingClient } from '../connection.js';
import type { StoreContext } from '../store-context.js';
import { readEntries, type StreamEntry, sequenceOf } from './entries.js';

/** How many entries one XRANGE of a live reader takes. */
const READ_BATCH = 100;

/**
 * A live reader: it reads what exists with XRANGE, then tails with a blocking XREAD on its own
 * connection (blocking for at most the stream poll interval, so a dropped wake-up costs one
 * interval at worst), and closes at the EOF entry. Empty chunks keep their index but are not
 * emitted.
 */
export class StreamReader {
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
        const entries = await readEntries(
          this.store,
          this.name,
          `0-${this.next + 1}`,
          '+',
          READ_BATCH,
        );
        if (this.emit(entries)) return;
        await this.waitForMore();
      } catch {
        if (this.done) return;
        // Redis unreachable: poll again shortly; the connections reconnect by themselves.
        await delay(Math.min(this.config.streamPollIntervalMs, 250));
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
    this.blocking ??= createBlockingClient(this.store.endpoint);
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
