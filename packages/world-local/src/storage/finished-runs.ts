import fs from 'node:fs';
import path from 'node:path';
import { isSafeId } from '@worldkit/world';
import { isMissing, unlinkQuietly } from '../fs/append-file.js';
import type { Layout } from '../fs/layout.js';
import { syncDirectory } from '../fs/sync-directory.js';

/** A run the index says finished at `completedAt`. */
export interface FinishedRun {
  runId: string;
  completedAt: number;
  /** Its marker file. */
  marker: string;
}

const MARKER_NAME = /^(\d{15})_(.+)$/;
const HOUR_NAME = /^\d{4}-\d{2}-\d{2}T\d{2}$/;
const HOUR_MS = 3_600_000;

/**
 * The finished runs by completion time, which retention reads instead of the run logs: an empty
 * marker file per finished run under the folder of its completion hour (see
 * `Layout.finishedMarker`). A marker is written under the run's lock before the terminal append,
 * like the other index entries that the append makes true, so a crash leaves at worst a marker
 * whose run did not finish (retention drops it under that run's lock). Retention removes a marker
 * last, after everything else of its run: while a marker exists, its run may still have something
 * left to delete.
 */
export class FinishedRuns {
  constructor(
    private readonly layout: Layout,
    private readonly syncWrites: boolean,
  ) {}

  /** Records that the run finished; called under its lock, before the terminal append. */
  add(runId: string, completedAt: Date): void {
    const marker = this.layout.finishedMarker(runId, completedAt.getTime());
    // A prune may remove an hour's folder the moment it empties: create it again and retry.
    for (let attempt = 0; ; attempt++) {
      try {
        fs.writeFileSync(marker, '');
        break;
      } catch (error) {
        if (!isMissing(error) || attempt === 3) throw error;
        fs.mkdirSync(path.dirname(marker), { recursive: true });
      }
    }
    if (this.syncWrites) {
      syncDirectory(path.dirname(marker));
      syncDirectory(this.layout.finished);
    }
  }

  /**
   * The runs that finished before `cutoff`, oldest first, read as they are asked for: the names
   * of the hour folders, then each folder's markers, once per walk (never a run log). A prune
   * walks once and takes its batches from the walk, so an hour holding many markers is listed
   * once per prune rather than once per batch. Markers added after a folder was listed are not
   * seen: they finished after the walk began.
   */
  *oldestBefore(cutoff: number): Generator<FinishedRun> {
    for (const hour of sortedNames(this.layout.finished)) {
      if (!HOUR_NAME.test(hour)) continue;
      if (Date.parse(`${hour}:00:00.000Z`) >= cutoff) return;
      const folder = path.join(this.layout.finished, hour);
      for (const name of sortedNames(folder)) {
        const match = MARKER_NAME.exec(name);
        if (match === null || !isSafeId(match[2])) continue;
        const completedAt = Number(match[1]);
        if (completedAt >= cutoff) return;
        yield { runId: match[2]!, completedAt, marker: path.join(folder, name) };
      }
    }
  }

  /** Removes a run's marker, and its hour's folder once that is empty and over. */
  remove(run: FinishedRun): void {
    unlinkQuietly(run.marker);
    const folder = path.dirname(run.marker);
    // The current hour's folder stays: runs finishing now are added to it.
    if (run.completedAt >= Math.floor(Date.now() / HOUR_MS) * HOUR_MS) return;
    try {
      fs.rmdirSync(folder);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'ENOENT') throw error;
    }
  }
}

function sortedNames(folder: string): string[] {
  try {
    return fs.readdirSync(folder).sort();
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
}
