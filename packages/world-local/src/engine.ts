import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import {
  createDeliverer,
  type Deliverer,
  type PruneOptions,
  type PruneReport,
  type Storage,
} from '@worldkit/world';
import type { ResolvedConfig } from './config.js';
import { AppendFiles } from './fs/append-file.js';
import { ChangeNotifier } from './fs/change-notifier.js';
import { FileLocks } from './fs/file-lock.js';
import { Layout } from './fs/layout.js';
import { pruneRuns } from './prune.js';
import { LocalQueue } from './queue/local-queue.js';
import { QueueJournal } from './queue/queue-journal.js';
import { Indexes } from './storage/indexes.js';
import { RunStore } from './storage/run-store.js';
import { createStorage } from './storage/storage.js';
import { StreamStore } from './streams/stream-store.js';

/** The on-disk format this code reads and writes. */
const FORMAT = { name: 'worldkit-local', version: 1 } as const;

/** Descriptors of run logs and stream files kept open per process. */
const MAX_OPEN_FILES = 256;

/** Number of correlation index buckets (see `Layout.correlationBucket`). */
const CORRELATION_BUCKETS = 256;

/** A lock of a process on another host sharing the directory is presumed dead after this. */
const FOREIGN_LOCK_STALE_MS = 30_000;

/**
 * Everything one process holds for one data directory: open files, caches, watchers, the queue
 * loop. Worlds created with the same configuration share one engine (the runtime creates two
 * Worlds per process), which lives until the last of them is closed.
 */
export class Engine {
  readonly layout: Layout;
  readonly storage: Storage;
  readonly streams: StreamStore;
  readonly streamer: ReturnType<StreamStore['streamer']>;
  readonly queue: LocalQueue;
  private readonly files: AppendFiles;
  /** The correlation index buckets, all kept open. */
  private readonly indexFiles: AppendFiles;
  private readonly locks: FileLocks;
  private readonly notifiers: ChangeNotifier[];
  private readonly store: RunStore;
  private readonly indexes: Indexes;
  /** Prunes in flight, which `close()` waits for. */
  private readonly pruning = new Set<Promise<unknown>>();
  private deliverer: Deliverer | undefined;
  private closing: Promise<void> | undefined;

  constructor(readonly config: ResolvedConfig) {
    this.layout = new Layout(config.dataDir);
    prepareDirectory(this.layout);
    const syncWrites = config.durability === 'fsync';
    this.files = new AppendFiles(MAX_OPEN_FILES, syncWrites);
    this.indexFiles = new AppendFiles(CORRELATION_BUCKETS, syncWrites);
    const locks = new FileLocks(this.layout.locks, { foreignStaleMs: FOREIGN_LOCK_STALE_MS });
    this.locks = locks;
    const indexes = new Indexes(this.layout, this.indexFiles, syncWrites);
    this.indexes = indexes;
    this.store = new RunStore(this.layout, this.files, locks, indexes, {
      cachedRuns: config.cachedRuns,
      lockTimeoutMs: config.lockTimeoutMs,
      maxEvents: config.maxEvents,
      syncWrites,
    });
    this.storage = createStorage(this.store, indexes);

    const streamNotifier = new ChangeNotifier(this.layout.streams);
    const queueNotifier = new ChangeNotifier(this.layout.queue);
    this.notifiers = [streamNotifier, queueNotifier];
    this.streams = new StreamStore(this.layout, this.files, locks, streamNotifier, {
      pollIntervalMs: config.streamPollIntervalMs,
      lockTimeoutMs: config.lockTimeoutMs,
    });
    this.streamer = this.streams.streamer();
    this.queue = new LocalQueue(
      new QueueJournal(this.layout.queueJournal, this.files),
      this.layout.queueJournal,
      locks,
      queueNotifier,
      () => {
        this.deliverer ??= createDeliverer({
          ...(config.baseUrl === undefined ? {} : { baseUrl: config.baseUrl }),
          ...(config.port === undefined ? {} : { port: config.port }),
          ...(config.queueSecret === undefined ? {} : { secret: config.queueSecret }),
        });
        return this.deliverer;
      },
      {
        owner: randomBytes(8).toString('hex'),
        concurrency: config.queueConcurrency,
        leaseMs: config.leaseMs,
        pollIntervalMs: config.queuePollIntervalMs,
        retryBaseMs: config.retryBaseMs,
        retryMaxMs: config.retryMaxMs,
        lockTimeoutMs: config.lockTimeoutMs,
        syncWrites,
      },
    );
  }

  /** Deletes finished runs older than `options.olderThan` (see `prune.ts`). */
  prune(options: PruneOptions): Promise<PruneReport> {
    const { store, indexes, streams, queue } = this;
    const pruning = pruneRuns({ store, indexes, streams, queue }, options);
    this.pruning.add(pruning);
    const forget = () => this.pruning.delete(pruning);
    pruning.then(forget, forget);
    return pruning;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled(this.pruning);
      this.streams.close();
      const queueClosed = this.queue.close();
      this.deliverer?.close();
      await queueClosed;
      for (const notifier of this.notifiers) notifier.close();
      this.locks.releaseAll();
      this.store.clear();
      this.files.closeAll();
      this.indexFiles.closeAll();
    })();
    return this.closing;
  }
}

/** Creates the folders and checks (or writes) the format marker. */
function prepareDirectory(layout: Layout): void {
  for (const folder of layout.folders()) fs.mkdirSync(folder, { recursive: true });
  let marker: { name?: string; version?: number } | undefined;
  try {
    marker = JSON.parse(fs.readFileSync(layout.formatFile, 'utf8'));
  } catch {
    marker = undefined;
  }
  if (marker === undefined) {
    fs.writeFileSync(layout.formatFile, `${JSON.stringify(FORMAT)}\n`);
    return;
  }
  if (marker.name !== FORMAT.name || marker.version !== FORMAT.version) {
    throw new Error(
      `${layout.root} holds data of format ${JSON.stringify(marker)}; this World reads ${JSON.stringify(FORMAT)}`,
    );
  }
}
