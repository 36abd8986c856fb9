import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { WorkflowWorldError } from '@worldkit/world';
import { isExisting, isMissing, unlinkQuietly } from './append-file.js';
import {
  currentProcess,
  formatIdentity,
  isProcessAlive,
  parseIdentity,
} from './process-identity.js';

/**
 * Cross-process exclusive locks as files created with O_EXCL.
 *
 * A lock file holds a random owner token and the holder's process identity (host, pid, start
 * time). Critical sections in this World are synchronous and short (microseconds of syscalls),
 * so a lock is never held across an await: a holder either finishes and unlinks the file, or it
 * died. A lock is stale when its holder process is gone (pid and start time checked, so a reused
 * pid does not keep a dead holder's lock alive), when its content is unreadable for longer than a
 * live writer could need to write it, or, for a holder on another host, after `foreignStaleMs`.
 *
 * Breaking a stale lock is itself serialized by a `.break` lock: the breaker re-reads the lock
 * under it and removes the file only if it is still the stale one it judged. Since nobody but a
 * breaker removes a dead holder's file, that check cannot race with a new acquirer. *
 * Creating and removing a file costs more than the rest of a write on many disks, so a released
 * lock is kept for a few milliseconds ("sticky") and the same process's next critical section
 * reuses it without touching the disk. A process that finds the lock busy announces itself with
 * a `.want` file; the holder hands the lock back at its next use (and stays away for a moment so
 * the waiter gets in), or within a few milliseconds through the sweep that also drops idle locks. A sticky lock is never kept
 * longer than `MAX_STICKY_MS`, so its file's age says the holder is active.
 */

const UNREADABLE_GRACE_MS = 1000;
/** A released lock idle this long is removed. */
const STICKY_IDLE_MS = 100;
/** How often kept locks are checked for waiters and idleness. */
const SWEEP_INTERVAL_MS = 5;
/** A sticky lock is re-created at least this often. */
const MAX_STICKY_MS = 1000;
/** A `.want` file touched this recently means a live waiter. */
const WANT_FRESH_MS = 50;
/** After handing a lock to a waiter, this process stays away this long (longer than a waiter's backoff). */
const YIELD_MS = 25;

export interface FileLockOptions {
  /** After how long a lock held by a process of another host is presumed abandoned. */
  foreignStaleMs: number;
}

export class FileLocks {
  private readonly token = randomBytes(8).toString('hex');
  private readonly content = `${this.token}\t${formatIdentity(currentProcess())}`;
  /** Locks this process holds: in a critical section, or released but kept (sticky). */
  private readonly held = new Map<string, { since: number; inUse: boolean; idleSince: number }>();
  private readonly yieldUntil = new Map<string, number>();
  /** Per lock: the end of the last local caller's turn (see `inTurn`). */
  private readonly turns = new Map<string, Promise<void>>();
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly dir: string,
    private readonly options: FileLockOptions,
  ) {}

  pathOf(name: string): string {
    return `${this.dir}/${name}.lock`;
  }

  /**
   * Runs `task` once every earlier caller of this process has had its turn at `name`. Only the
   * oldest local waiter contends with other processes, and the lock passes along the local queue
   * in arrival order, so no caller can lose every race to its neighbours' backoff timers.
   */
  async inTurn<T>(name: string, task: () => Promise<T>): Promise<T> {
    const previous = this.turns.get(name) ?? Promise.resolve();
    let endTurn!: () => void;
    const ended = new Promise<void>((resolve) => {
      endTurn = resolve;
    });
    const turn = previous.then(() => ended);
    this.turns.set(name, turn);
    await previous;
    try {
      return await task();
    } finally {
      endTurn();
      if (this.turns.get(name) === turn) this.turns.delete(name);
    }
  }

  /** Takes the lock if it is free (or stale); never waits. */
  tryAcquire(name: string): boolean {
    const now = Date.now();
    const kept = this.held.get(name);
    if (kept !== undefined) {
      if (kept.inUse) return false;
      if (now - kept.since < MAX_STICKY_MS && !this.wantedRecently(name, now)) {
        kept.inUse = true;
        return true;
      }
      this.releaseNow(name);
      this.yieldUntil.set(name, now + YIELD_MS);
      return false;
    }
    const until = this.yieldUntil.get(name);
    if (until !== undefined) {
      if (now < until) return false;
      this.yieldUntil.delete(name);
    }
    const path = this.pathOf(name);
    for (let attempt = 0; attempt < 2; attempt++) {
      if (this.create(path)) {
        this.held.set(name, { since: now, inUse: true, idleSince: now });
        return true;
      }
      if (!this.breakIfStale(path)) return false;
    }
    return false;
  }

  /** Ends a critical section; the lock stays with this process for a moment (see above). */
  release(name: string): void {
    const kept = this.held.get(name);
    if (kept === undefined) return;
    kept.inUse = false;
    kept.idleSince = Date.now();
    this.scheduleSweep();
  }

  /** Tells another process holding the lock that someone waits; called after a failed try. */
  announceWaiting(name: string): void {
    if (this.held.has(name)) return;
    try {
      fs.writeFileSync(`${this.pathOf(name)}.want`, '');
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
  }

  /** After a waiter got the lock: the announcement is answered. */
  clearWaiting(name: string): void {
    unlinkQuietly(`${this.pathOf(name)}.want`);
  }

  /**
   * Removes the lock's file now if this process keeps it released, instead of keeping it for a
   * next use: for a lock whose subject was deleted (a pruned run), which nobody takes again.
   */
  discard(name: string): void {
    if (this.held.get(name)?.inUse === false) this.releaseNow(name);
  }

  /** Removes every lock file this process keeps. */
  releaseAll(): void {
    clearTimeout(this.sweepTimer);
    this.sweepTimer = undefined;
    for (const [name, kept] of this.held) if (!kept.inUse) this.releaseNow(name);
  }

  private releaseNow(name: string): void {
    this.held.delete(name);
    unlinkQuietly(this.pathOf(name));
  }

  private wantedRecently(name: string, now: number): boolean {
    const want = fs.statSync(`${this.pathOf(name)}.want`, { throwIfNoEntry: false });
    return want !== undefined && now - want.mtimeMs < WANT_FRESH_MS;
  }

  private scheduleSweep(): void {
    if (this.sweepTimer !== undefined) return;
    this.sweepTimer = setTimeout(() => {
      this.sweepTimer = undefined;
      const now = Date.now();
      let kept = false;
      for (const [name, lock] of this.held) {
        if (lock.inUse) continue;
        if (
          now - lock.idleSince >= STICKY_IDLE_MS ||
          now - lock.since >= MAX_STICKY_MS ||
          this.wantedRecently(name, now)
        ) {
          this.releaseNow(name);
        } else {
          kept = true;
        }
      }
      if (kept) this.scheduleSweep();
    }, SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
  }

  private create(path: string): boolean {
    try {
      fs.writeFileSync(path, this.content, { flag: 'wx' });
      return true;
    } catch (error) {
      if (isExisting(error)) return false;
      if (isMissing(error)) {
        fs.mkdirSync(this.dir, { recursive: true });
        return this.create(path);
      }
      throw error;
    }
  }

  /** Removes the lock file at `path` if its holder is gone; true if the lock may now be free. */
  private breakIfStale(path: string): boolean {
    const seen = readLock(path);
    if (seen === undefined) return true;
    if (!this.isStale(seen)) return false;
    const breakPath = `${path}.break`;
    if (!this.create(breakPath)) {
      const breaker = readLock(breakPath);
      // A breaker that died inside its few-syscall window would block breaking forever.
      if (breaker !== undefined && this.isStale(breaker)) unlinkQuietly(breakPath);
      return false;
    }
    try {
      const again = readLock(path);
      if (again === undefined) return true;
      if (again.text !== seen.text || !this.isStale(again)) return false;
      unlinkQuietly(path);
      return true;
    } finally {
      unlinkQuietly(breakPath);
    }
  }

  private isStale(lock: LockFile): boolean {
    const [, ...identityFields] = lock.text.split('\t');
    const identity = parseIdentity(identityFields.join('\t'));
    const age = Date.now() - lock.mtimeMs;
    if (identity === undefined) return age > UNREADABLE_GRACE_MS;
    if (identity.host !== currentProcess().host) return age > this.options.foreignStaleMs;
    return !isProcessAlive(identity);
  }
}

interface LockFile {
  text: string;
  mtimeMs: number;
}

function readLock(path: string): LockFile | undefined {
  try {
    const fd = fs.openSync(path, 'r');
    try {
      const mtimeMs = fs.fstatSync(fd).mtimeMs;
      return { text: fs.readFileSync(fd, 'utf8'), mtimeMs };
    } finally {
      fs.closeSync(fd);
    }
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

/** Thrown inside a critical section to give up every lock and start over after a backoff. */
export class RetryLater extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'RetryLater';
  }
}

export interface LockWaitOptions {
  /** Gives up with an error after this long; locks are held for microseconds, so this is generous. */
  timeoutMs: number;
}

/**
 * Runs `body` while holding `name`, waiting with jittered backoff while another process holds it;
 * callers of one process wait their turn in arrival order (`FileLocks.inTurn`).
 * `body` is synchronous: a critical section never awaits. It may throw `RetryLater` (after
 * failing to try-acquire a second lock) to release everything, back off, and run again: this is
 * how two locks are taken without ever waiting while holding one, so there is no deadlock.
 */
export async function withLock<T>(
  locks: FileLocks,
  name: string,
  body: () => T,
  options: LockWaitOptions,
): Promise<T> {
  return locks.inTurn(name, () => contend(locks, name, body, options));
}

/** The turn of one caller: acquire across processes (the timeout counts from here), then run. */
async function contend<T>(
  locks: FileLocks,
  name: string,
  body: () => T,
  options: LockWaitOptions,
): Promise<T> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    if (locks.tryAcquire(name)) {
      if (attempt > 0) locks.clearWaiting(name);
      try {
        return body();
      } catch (error) {
        if (!(error instanceof RetryLater)) throw error;
      } finally {
        locks.release(name);
      }
    }
    locks.announceWaiting(name);
    if (Date.now() - started > options.timeoutMs) {
      // Retryable for the runtime (status >= 500): the queue redelivers later.
      throw new WorkflowWorldError(
        `timed out after ${options.timeoutMs} ms waiting for lock ${name}`,
        {
          status: 503,
          code: 'LOCK_TIMEOUT',
        },
      );
    }
    await backoff(attempt);
  }
}

function backoff(attempt: number): Promise<void> {
  if (attempt < 3) return new Promise((resolve) => setImmediate(resolve));
  const ceiling = Math.min(20, 2 ** (attempt - 3));
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}
