import fs from 'node:fs';
import path from 'node:path';

/**
 * Wake-ups for waiters on files of one directory: an in-process signal when this process wrote,
 * an `fs.watch` on the directory for writes of other processes, and a polling timer as the
 * fallback for watchers that miss events (network file systems, overflowed inotify queues). A
 * wake-up only says "look again": waiters always re-read the file, which is the truth.
 */
export class ChangeNotifier {
  private readonly waiters = new Map<string, Set<() => void>>();
  private watcher: fs.FSWatcher | undefined;
  private closed = false;

  constructor(private readonly dir: string) {}

  /** Signals waiters on `file` (a name inside the directory) after this process changed it. */
  notify(file: string): void {
    const set = this.waiters.get(file);
    if (set === undefined) return;
    this.waiters.delete(file);
    for (const wake of set) wake();
  }

  /**
   * Resolves on the next change of `file`, after `pollMs`, or when `signal` aborts, whichever
   * comes first.
   */
  wait(file: string, pollMs: number, signal?: AbortSignal): Promise<void> {
    if (this.closed || signal?.aborted) return Promise.resolve();
    this.ensureWatching();
    return new Promise((resolve) => {
      const timer = setTimeout(done, pollMs);
      const onAbort = () => done();
      signal?.addEventListener('abort', onAbort, { once: true });
      let set = this.waiters.get(file);
      if (set === undefined) {
        set = new Set();
        this.waiters.set(file, set);
      }
      set.add(done);
      const waiters = this.waiters;
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const current = waiters.get(file);
        current?.delete(done);
        if (current?.size === 0) waiters.delete(file);
        resolve();
      }
    });
  }

  /** Wakes every waiter and stops watching. */
  close(): void {
    this.closed = true;
    this.watcher?.close();
    this.watcher = undefined;
    for (const file of [...this.waiters.keys()]) this.notify(file);
  }

  private ensureWatching(): void {
    if (this.watcher !== undefined) return;
    try {
      fs.mkdirSync(this.dir, { recursive: true });
      this.watcher = fs.watch(this.dir, { persistent: false }, (_event, file) => {
        if (file === null) {
          for (const name of [...this.waiters.keys()]) this.notify(name);
        } else {
          this.notify(path.basename(file.toString()));
        }
      });
      this.watcher.on('error', () => {
        // Polling carries on; a later wait installs a new watcher.
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch {
      this.watcher = undefined;
    }
  }
}
