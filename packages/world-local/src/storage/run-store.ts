import fs from 'node:fs';
import {
  type Applied,
  type EventResult,
  type Hook,
  isTerminalRunStatus,
  type RunState,
  resultForRead,
  type Transition,
  transition,
  type ValidatedCreate,
  type WorkflowWorldError,
} from '@worldkit/world';
import type { AppendFiles } from '../fs/append-file.js';
import { type FileLocks, RetryLater, withLock } from '../fs/file-lock.js';
import { type Layout, lockNames } from '../fs/layout.js';
import { pooledRandom } from '../fs/random-pool.js';
import { encodeRecord, parseRecords } from '../fs/record-log.js';
import { syncDirectory } from '../fs/sync-directory.js';
import type { FinishedRun } from './finished-runs.js';
import type { Indexes } from './indexes.js';
import { type LogRecord, MaterializedRun, recordOf } from './materialized-run.js';

/** After this long, a token claim file that still names nothing is a crash's leftover. */
const UNREADABLE_CLAIM_GRACE_MS = 10_000;

/** What `delete` found under the run's lock. */
export type RunDeletion = 'deleted' | 'missing' | 'unfinished' | 'recent';

export interface RunStoreOptions {
  /** Runs whose materialized state this process keeps in memory. */
  cachedRuns: number;
  lockTimeoutMs: number;
  maxEvents: number | undefined;
  syncWrites: boolean;
}

/**
 * The runs: their logs on disk, their materialized state in a per-process cache, and the one write
 * path, `commit`, which decides with the reference state machine inside the run's lock.
 *
 * The cache is keyed by how many bytes of the log it has applied, so appends made by other
 * processes are picked up by reading only the new tail (one fstat per read when nothing changed).
 */
export class RunStore {
  private readonly cache = new Map<string, MaterializedRun>();
  private readonly random = pooledRandom();

  constructor(
    private readonly layout: Layout,
    private readonly files: AppendFiles,
    private readonly locks: FileLocks,
    private readonly indexes: Indexes,
    private readonly options: RunStoreOptions,
  ) {}

  /** The run as its log says now, or undefined when it has no log. Lock-free. */
  read(runId: string): MaterializedRun | undefined {
    const run = this.openLog(runId)?.run;
    return run?.state === undefined ? undefined : run;
  }

  /**
   * The run's log, open, and the run as it says now; undefined when there is no log. A
   * descriptor kept open of a log that was deleted since (by a prune of this process or another)
   * is closed and the path looked up again, so a deleted run is never read from a stale file.
   */
  private openLog(runId: string): { fd: number; run: MaterializedRun } | undefined {
    const path = this.layout.runLog(runId);
    for (;;) {
      const fd = this.files.fd(path, false);
      if (fd === undefined) {
        this.cache.delete(runId);
        return undefined;
      }
      const stat = this.files.statIfLinked(fd);
      if (stat !== undefined) return { fd, run: this.refresh(runId, fd, stat) };
      this.files.drop(path);
      this.cache.delete(runId);
    }
  }

  /** Appends one event (or a bootstrap pair) under the run's lock. */
  async commit(create: ValidatedCreate): Promise<EventResult> {
    const result = await withLock(
      this.locks,
      lockNames.run(create.runId),
      () => this.commitLocked(create),
      { timeoutMs: this.options.lockTimeoutMs },
    );
    return structuredClone(resultForRead(result, create.params.resolveData));
  }

  private commitLocked(create: ValidatedCreate): EventResult {
    const { runId, event } = create;
    const { log, run } = this.openForWrite(runId);
    const outcome = this.decide(create, run, run.state);
    if (outcome.kind === 'rejected') throw outcome.error;
    if (outcome.kind === 'unchanged') return this.withPreload(event.eventType, run, outcome.result);
    this.write(runId, log, run, [outcome]);
    return this.withPreload(event.eventType, run, outcome.result);
  }

  /**
   * Appends several events to one run under its lock, each decided as its own `commit` would be
   * against the run as the events before it left it; the applied ones are written as one record
   * (all or none survive a crash). Returns each one's result or refusal, in order.
   */
  async commitBatch(
    runId: string,
    creates: readonly ValidatedCreate[],
  ): Promise<Array<EventResult | WorkflowWorldError>> {
    return withLock(
      this.locks,
      lockNames.run(runId),
      () => {
        const { log, run } = this.openForWrite(runId);
        const applied: Applied[] = [];
        let state = run.state;
        const outcomes = creates.map((create) => {
          // The entities come from before the batch: a batch touches each one once.
          const outcome = this.decide(create, run, state);
          if (outcome.kind === 'rejected') return outcome.error;
          if (outcome.kind === 'applied') {
            applied.push(outcome);
            state = outcome.run;
          }
          return structuredClone(outcome.result);
        });
        if (applied.length > 0) this.write(runId, log, run, applied);
        return outcomes;
      },
      { timeoutMs: this.options.lockTimeoutMs },
    );
  }

  /** The run's log and state for a write; a tail a crash cut short is cut off first. */
  private openForWrite(runId: string): { log: number | undefined; run: MaterializedRun } {
    const log = this.openLog(runId);
    const run = log?.run ?? new MaterializedRun();
    // Under the lock nobody else is writing: bytes past the last valid record are a write that a
    // crash cut short. Removing them keeps the next record adjacent to the valid ones.
    if (log !== undefined && run.observedSize > run.offset) this.files.truncate(log.fd, run.offset);
    return { log: log?.fd, run };
  }

  /** The reference state machine's decision on `create`, the run being in `state`. */
  private decide(
    { runId, event, params }: ValidatedCreate,
    run: MaterializedRun,
    state: RunState | undefined,
  ): Transition {
    const correlationId = 'correlationId' in event ? event.correlationId : undefined;
    return transition({
      runId,
      event,
      params,
      now: Date.now(),
      random: this.random,
      run: state,
      ...(this.options.maxEvents === undefined ? {} : { maxEvents: this.options.maxEvents }),
      ...(correlationId === undefined
        ? {}
        : {
            step: run.steps.get(correlationId),
            hook: run.hooks.get(correlationId),
            hookEverCreated: run.hooksEverCreated.has(correlationId),
            wait: run.waits.get(`${runId}-${correlationId}`),
            tokenHolder:
              event.eventType === 'hook_created'
                ? this.tokenHolder(runId, run, event.eventData.token)
                : undefined,
          }),
    });
  }

  /**
   * Writes the applied transitions as one record, with the index entries around it: those that
   * become true are written before it and those it makes false removed after it, so a crash
   * leaves a superset of the truth, which reads verify against the log.
   */
  private write(
    runId: string,
    log: number | undefined,
    run: MaterializedRun,
    applied: readonly Applied[],
  ): void {
    const released: Hook[] = [];
    for (const outcome of applied) {
      const { changes } = outcome;
      if (run.state === undefined) this.indexes.addRun(runId, outcome.run.run.workflowName);
      if (changes.releaseRunResources) {
        this.indexes.finished.add(runId, outcome.run.run.completedAt!);
        released.push(...run.hooks.values());
      }
      for (const appended of outcome.events) {
        const id = appended.correlationId;
        if (id !== undefined && !run.correlations.has(id)) this.indexes.addCorrelation(id, runId);
      }
      if (changes.createdHook) {
        const { token, hookId } = changes.createdHook;
        // Another run's writer claimed the token since we looked: start over and judge its claim.
        if (!this.indexes.claimToken({ runId, hookId, token })) {
          throw new RetryLater(`token claimed concurrently by another run`);
        }
      }
    }

    const writes = applied.map((outcome) => recordOf(outcome, run));
    const record: LogRecord = writes.length === 1 ? writes[0]! : { batch: writes };
    const bytes = encodeRecord(record);
    const start = run.offset;
    // A log is created by the first write a run accepts, never by a refused one.
    this.files.append(log ?? this.createLog(runId, run), bytes);
    // The cache gets its own copy: callers may reuse the buffers they passed in.
    run.apply(structuredClone(record), start + bytes.byteLength);

    for (const { changes } of applied) {
      if (changes.deletedHook) this.indexes.releaseToken(changes.deletedHook.token);
    }
    for (const hook of released) this.indexes.releaseToken(hook.token);
    if (applied.some(({ changes }) => changes.releaseRunResources)) this.indexes.endRun(runId);
  }

  /**
   * The live hook holding `token`, if any. A claim whose hook is not in its run's log is either
   * being written right now (its writer claims before appending, under its run's lock) or was
   * left by a crash; only while holding that run's lock can the two be told apart, so the lock is
   * tried without waiting and, if busy, everything is released and retried (no lock waits while
   * holding another, so no deadlock).
   */
  private tokenHolder(
    runId: string,
    run: MaterializedRun,
    token: string,
  ): { runId: string; hookId: string } | undefined {
    const claim = this.indexes.readClaim(token);
    if (claim === undefined) return undefined;
    if (claim.unreadableSince !== undefined) {
      // Its writer creates it and fills it in two syscalls; one that stays empty for long was
      // left by a crash between them.
      if (Date.now() - claim.unreadableSince < UNREADABLE_CLAIM_GRACE_MS) {
        throw new RetryLater('a token claim is being written');
      }
      this.indexes.releaseToken(token);
      return undefined;
    }
    const holds = (holder: MaterializedRun | undefined) =>
      holder?.hooks.get(claim.hookId)?.token === token;
    if (claim.runId === runId) {
      if (holds(run)) return claim;
      this.indexes.releaseToken(token);
      return undefined;
    }
    if (holds(this.read(claim.runId))) return claim;
    const holderLock = lockNames.run(claim.runId);
    if (!this.locks.tryAcquire(holderLock)) {
      throw new RetryLater(`run ${claim.runId} is busy; its token claim cannot be judged yet`);
    }
    try {
      if (holds(this.read(claim.runId))) return claim;
      const again = this.indexes.readClaim(token);
      if (again?.runId === claim.runId && again.hookId === claim.hookId) {
        this.indexes.releaseToken(token);
      }
      return undefined;
    } finally {
      this.locks.release(holderLock);
    }
  }

  /** `run_started` returns the run's whole log, so the runtime need not load it again. */
  private withPreload(eventType: string, run: MaterializedRun, result: EventResult): EventResult {
    if (eventType !== 'run_started' || result.run === undefined) return result;
    const last = run.events.at(-1);
    return { ...result, events: run.events, cursor: last?.eventId ?? null, hasMore: false };
  }

  private createLog(runId: string, run: MaterializedRun): number {
    const fd = this.files.fd(this.layout.runLog(runId), true)!;
    if (this.options.syncWrites) syncDirectory(this.layout.runs);
    run.inode = this.files.statIfLinked(fd)?.ino ?? -1;
    this.remember(runId, run);
    return fd;
  }

  /**
   * Deletes a finished run that finished before `cutoff` (epoch ms), under its lock, checking
   * there that it still qualifies; a marker of a run that did not finish is dropped (a crash's
   * leftover: the run adds a new one when it finishes). Token claims that still name the run go
   * first (a finished run holds none but a crash's leftovers), then the log, whose unlink is the
   * deletion's commit point: from then on every read of the run misses. The unlink is durable
   * once the caller has called `syncDeletions()`, which it does before it removes the run's
   * streams and finished marker.
   */
  async delete(finished: FinishedRun, cutoff: number): Promise<RunDeletion> {
    const { runId } = finished;
    const lock = lockNames.run(runId);
    const outcome = await withLock(
      this.locks,
      lock,
      (): RunDeletion => {
        const run = this.read(runId);
        if (run === undefined) return 'missing';
        const { status, completedAt } = run.state!.run;
        if (!isTerminalRunStatus(status)) {
          // Under the lock: a writer adds the marker and appends in one critical section.
          this.indexes.finished.remove(finished);
          return 'unfinished';
        }
        if (completedAt === undefined || completedAt.getTime() >= cutoff) return 'recent';
        for (const event of run.events) {
          if (event.eventType !== 'hook_created') continue;
          const { token } = event.eventData;
          if (this.indexes.readClaim(token)?.runId === runId) this.indexes.releaseToken(token);
        }
        const path = this.layout.runLog(runId);
        fs.unlinkSync(path);
        this.files.drop(path);
        this.cache.delete(runId);
        return 'deleted';
      },
      { timeoutMs: this.options.lockTimeoutMs },
    );
    // Nobody takes a deleted run's lock again, so its file would stay if this process died
    // while keeping it; the run's marker, removed after this, has a later prune try again.
    if (outcome === 'deleted' || outcome === 'missing') this.locks.discard(lock);
    return outcome;
  }

  /**
   * Makes the logs deleted so far durable: one sync of the runs folder for a whole batch of
   * deletions rather than one each, which held the app's appends back for a folder sync per run.
   */
  syncDeletions(): void {
    if (this.options.syncWrites) syncDirectory(this.layout.runs);
  }

  private refresh(runId: string, fd: number, file: { size: number; ino: number }): MaterializedRun {
    let run = this.cache.get(runId);
    const { size } = file;
    // Another file at the same path (the run was deleted and its id used again) starts over.
    if (run === undefined || size < run.offset || run.inode !== file.ino) {
      run = new MaterializedRun();
      run.inode = file.ino;
    }
    this.remember(runId, run);
    run.observedSize = size;
    if (size > run.offset) {
      const parsed = parseRecords<LogRecord>(this.files.read(fd, run.offset, size), run.offset);
      for (const record of parsed.records) run.apply(record.value, record.end);
    }
    return run;
  }

  /** Puts the run in the cache as its most recently used entry, evicting the oldest over the cap. */
  private remember(runId: string, run: MaterializedRun): void {
    this.cache.delete(runId);
    this.cache.set(runId, run);
    if (this.cache.size > this.options.cachedRuns) {
      this.cache.delete(this.cache.keys().next().value as string);
    }
  }

  clear(): void {
    this.cache.clear();
  }
}
