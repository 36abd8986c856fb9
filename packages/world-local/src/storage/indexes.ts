import fs from 'node:fs';
import { type AppendFiles, isExisting, isMissing, unlinkQuietly } from '../fs/append-file.js';
import type { Layout } from '../fs/layout.js';
import { FinishedRuns } from './finished-runs.js';
import { encodeWorkflowName } from './workflow-name-encoding.js';

/** How much of the runs journal is read at a time. */
const JOURNAL_CHUNK_BYTES = 8 * 1024 * 1024;
const NEWLINE = 0x0a;

/**
 * The small global index files that let reads go straight to a run instead of scanning. The run
 * logs are the truth; indexes are written so that a crash leaves at worst a superset of it:
 * entries are added before the log append that makes them true and removed after the append that
 * makes them false, and every read checks what an index says against the run's log.
 *
 * - `index/correlations/<bucket>`: lines `<correlationId> <runId>`: the runs whose logs use that
 *   step, hook or wait id.
 * - `index/tokens/<sha256(token)>`: the hook claiming a token (`runId`, `hookId`, `token`).
 * - `index/runs.journal`: lines `+<runId> <workflowName>` in creation order, `-<runId>` once a run is terminal
 *   and `x<runId>` once it was pruned: `runs.list` order, and the runs start() recovery looks at.
 * - `index/finished/<hour>/<completedAt>_<runId>`: the finished runs by completion time, for
 *   retention (see `FinishedRuns`).
 *
 * Retention deletes a run's token claims and its finished marker, and adds its `x` line. The
 * correlation buckets and the runs journal are shared append-only files that every writer
 * appends to without a common lock, so they are never rewritten: a pruned run's lines stay, as
 * dead entries that reads already check against the (missing) log.
 */
export class Indexes {
  readonly finished: FinishedRuns;

  constructor(
    private readonly layout: Layout,
    private readonly files: AppendFiles,
    private readonly syncWrites: boolean,
  ) {
    this.finished = new FinishedRuns(layout, syncWrites);
  }

  addCorrelation(correlationId: string, runId: string): void {
    // Buckets are appended to often: through the cached descriptors, like the logs.
    const fd = this.files.fd(this.layout.correlationBucket(correlationId), true)!;
    this.files.append(fd, Buffer.from(`${correlationId} ${runId}\n`));
  }

  runsOfCorrelation(correlationId: string): string[] {
    const runIds: string[] = [];
    const prefix = `${correlationId} `;
    for (const line of this.readLines(this.layout.correlationBucket(correlationId))) {
      if (line.startsWith(prefix)) runIds.push(line.slice(prefix.length));
    }
    return unique(runIds);
  }

  /** Before the run's first append. */
  addRun(runId: string, workflowName: string): void {
    this.appendLine(this.layout.runsJournal, `+${runId} ${encodeWorkflowName(workflowName)}`);
  }

  /** After the run's terminal append: it no longer needs recovering. */
  endRun(runId: string): void {
    this.appendLine(this.layout.runsJournal, `-${runId}`);
  }

  /** After the runs' logs were deleted: `runs.list` leaves them out without looking for them. */
  forgetRuns(runIds: string[]): void {
    if (runIds.length === 0) return;
    this.writeFile(this.layout.runsJournal, runIds.map((runId) => `x${runId}\n`).join(''), 'a');
  }

  /**
   * Reads the runs journal from byte `from`, handing each whole line to `onLine` (a line still
   * being written is picked up by the next read); returns the offset after the last whole line.
   * Reads in chunks, so a journal of millions of runs never becomes one string.
   */
  readRunsJournal(from: number, onLine: (line: string) => void): number {
    let fd: number;
    try {
      fd = fs.openSync(this.layout.runsJournal, 'r');
    } catch (error) {
      if (isMissing(error)) return from;
      throw error;
    }
    try {
      const size = fs.fstatSync(fd).size;
      let offset = from;
      let chunk = Buffer.allocUnsafe(Math.min(JOURNAL_CHUNK_BYTES, Math.max(0, size - from)));
      while (offset < size) {
        const read = fs.readSync(fd, chunk, 0, Math.min(chunk.length, size - offset), offset);
        if (read === 0) break;
        // '\n' never occurs inside a multi-byte UTF-8 character: the text up to it decodes whole.
        const complete = chunk.lastIndexOf(NEWLINE, read - 1) + 1;
        if (complete === 0) {
          // No whole line: the last one is still being written, or is longer than the chunk.
          if (read < chunk.length) break;
          chunk = Buffer.allocUnsafe(chunk.length * 2);
          continue;
        }
        for (const line of chunk.toString('utf8', 0, complete).split('\n')) {
          if (line !== '') onLine(line);
        }
        offset += complete;
      }
      return offset;
    } finally {
      fs.closeSync(fd);
    }
  }

  readClaim(token: string): TokenClaim | undefined {
    let text: string;
    try {
      text = fs.readFileSync(this.layout.tokenClaim(token), 'utf8');
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
    const [runId, hookId, ...rest] = text.split('\n');
    if (runId && hookId && rest.join('\n') === token) return { runId, hookId, token };
    // Created but not written yet (its writer is between two syscalls), or left so by a crash.
    const stat = fs.statSync(this.layout.tokenClaim(token), { throwIfNoEntry: false });
    if (stat === undefined) return undefined;
    return { runId: '', hookId: '', token, unreadableSince: stat.mtimeMs };
  }

  /** Claims a token for a hook (an exclusive create); false when a claim exists already. */
  claimToken(claim: TokenClaim): boolean {
    let fd: number;
    try {
      fd = fs.openSync(this.layout.tokenClaim(claim.token), 'wx');
    } catch (error) {
      if (isExisting(error)) return false;
      throw error;
    }
    try {
      fs.writeSync(fd, `${claim.runId}\n${claim.hookId}\n${claim.token}`);
      if (this.syncWrites) fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    return true;
  }

  /** Removes a claim; the caller holds the lock of the run the claim names. */
  releaseToken(token: string): void {
    unlinkQuietly(this.layout.tokenClaim(token));
  }

  private appendLine(path: string, line: string): void {
    this.writeFile(path, `${line}\n`, 'a');
  }

  private writeFile(path: string, text: string, flag: 'a' | 'w' = 'w'): void {
    const fd = fs.openSync(path, flag);
    try {
      fs.writeSync(fd, text);
      if (this.syncWrites) fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  private readLines(path: string): string[] {
    try {
      return fs.readFileSync(path, 'utf8').split('\n').filter(Boolean);
    } catch (error) {
      if (isMissing(error)) return [];
      throw error;
    }
  }
}

export interface TokenClaim {
  /** Empty when the claim file names nothing (yet). */
  runId: string;
  hookId: string;
  token: string;
  /** Set when the claim file names nothing: its modification time. */
  unreadableSince?: number;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
