import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { WorkflowWorldError } from '@worldkit/world';
import { isExisting, isMissing } from './append-file.js';
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
 * breaker removes a dead holder's file, that check cannot race with a new acquirer.
 */

const UNREADABLE_GRACE_MS = 1000;

export interface FileLockOptions {
  /** After how long a lock held by a process of another host is presumed abandoned. */
  foreignStaleMs: number;
}

export class FileLocks {
  private readonly token = randomBytes(8).toString('hex');
  private readonly content = `${this.token}\t${formatIdentity(currentProcess())}`;

  constructor(
    private readonly dir: string,
    private readonly options: FileLockOptions,
  ) {}

  pathOf(name: string): string {
    return `${this.dir}/${name}.lock`;
  }

  /** Takes the lock if it is free (or stale); never waits. */
  tryAcquire(name: string): boolean {
    const path = this.pathOf(name);
    for (let attempt = 0; attempt < 2; attempt++) {
      if (this.create(path)) return true;
      if (!this.breakIfStale(path)) return false;
    }
    return false;
  }

  release(name: string): void {
    try {
      fs.unlinkSync(this.pathOf(name));
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
  }

  /** Whether the named lock file exists now (for tests and diagnostics). */
  isHeld(name: string): boolean {
    return fs.existsSync(this.pathOf(name));
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

function unlinkQuietly(path: string): void {
  try {
    fs.unlinkSync(path);
  } catch (error) {
    if (!isMissing(error)) throw error;
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
 * Runs `body` while holding `name`, waiting with jittered backoff while another process holds it.
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
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    if (locks.tryAcquire(name)) {
      try {
        return body();
      } catch (error) {
        if (!(error instanceof RetryLater)) throw error;
      } finally {
        locks.release(name);
      }
    }
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
