import { createHash } from 'node:crypto';
import path from 'node:path';
import { assertSafeId } from '@worldkit/world';

/**
 * Where everything lives under the data directory. Only validated ids (letters, digits, `_`, `-`:
 * see `assertSafeId`) become file names as they are; tokens and stream names, which are free text,
 * are hashed. Nothing a caller passes can therefore name a path outside its folder.
 */
export class Layout {
  readonly root: string;
  readonly runs: string;
  readonly locks: string;
  readonly index: string;
  readonly correlations: string;
  readonly tokens: string;
  readonly finished: string;
  readonly runsJournal: string;
  readonly queue: string;
  readonly queueJournal: string;
  readonly streams: string;
  readonly streamsByRun: string;
  readonly formatFile: string;

  constructor(dataDir: string) {
    this.root = path.resolve(dataDir);
    this.runs = path.join(this.root, 'runs');
    this.locks = path.join(this.root, 'locks');
    this.index = path.join(this.root, 'index');
    this.correlations = path.join(this.index, 'correlations');
    this.tokens = path.join(this.index, 'tokens');
    this.finished = path.join(this.index, 'finished');
    this.runsJournal = path.join(this.index, 'runs.journal');
    this.queue = path.join(this.root, 'queue');
    this.queueJournal = path.join(this.queue, 'journal');
    this.streams = path.join(this.root, 'streams');
    this.streamsByRun = path.join(this.streams, 'by-run');
    this.formatFile = path.join(this.root, 'worldkit-local.json');
  }

  /** Every folder the World writes into, created once per process. */
  folders(): string[] {
    return [
      this.runs,
      this.locks,
      this.correlations,
      this.tokens,
      this.finished,
      this.queue,
      this.streamsByRun,
    ];
  }

  runLog(runId: string): string {
    assertSafeId(runId, 'runId');
    return path.join(this.runs, `${runId}.log`);
  }

  /**
   * The bucket file listing the runs of a correlation id. Ids are spread over 256 append-only
   * buckets by hash, so indexing a new step, hook or wait appends to an already open file instead
   * of creating one (file creation is the slowest thing a write could do), and a lookup reads one
   * file of 1/256 of the index.
   */
  correlationBucket(correlationId: string): string {
    assertSafeId(correlationId, 'correlationId');
    return path.join(this.correlations, hashOf(correlationId).slice(0, 2));
  }

  /**
   * The folder of the runs that finished in one UTC hour (`2025-01-31T13`), and in it one empty
   * marker per run, named by its completion time (15 digits of epoch ms, so names sort by time)
   * and id. Retention lists the oldest hours first and never the whole index.
   */
  finishedHour(completedAt: number): string {
    return path.join(this.finished, new Date(completedAt).toISOString().slice(0, 13));
  }

  finishedMarker(runId: string, completedAt: number): string {
    assertSafeId(runId, 'runId');
    return path.join(
      this.finishedHour(completedAt),
      `${String(completedAt).padStart(15, '0')}_${runId}`,
    );
  }

  tokenClaim(token: string): string {
    return path.join(this.tokens, hashOf(token));
  }

  streamChunks(name: string): string {
    return path.join(this.streams, `${hashOf(name)}.chunks`);
  }

  streamsOfRun(runId: string): string {
    assertSafeId(runId, 'runId');
    return path.join(this.streamsByRun, runId);
  }
}

/** Lock names: a run's lock, the queue's, a stream's. */
export const lockNames = {
  run: (runId: string) => `run-${runId}`,
  queue: 'queue',
  stream: (name: string) => `stream-${hashOf(name)}`,
};

export function hashOf(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
