import type { Indexes } from './indexes.js';
import { decodeWorkflowName } from './workflow-name-encoding.js';

export interface RunWalk {
  sortOrder: 'asc' | 'desc';
  /** Start after this position (see `positionOf`), in the walk's direction. */
  after?: number;
  /** Only runs whose journal line names this workflow. */
  workflowName?: string;
  /** Only runs not known to be terminal. */
  activeOnly?: boolean;
}

/**
 * Run ids in creation order, from the runs journal read incrementally, with the two selections a
 * list filters on: the runs of each workflow name, and the runs not known to be terminal. Each is
 * a list of positions in creation order, so a page is walked from either end and a cursor is found
 * by a map lookup and a binary search: what a page costs does not grow with the runs stored.
 *
 * Everything here is a superset of the truth (a crash may leave an id whose run never got its
 * first record, or miss a `-` or an `x` line): callers check each run's log. A pruned run (`x`
 * line) leaves an empty slot and keeps its position, so a cursor naming it still resumes; a run
 * created again with a pruned run's id goes to the end, as any new run.
 */
export class RunOrder {
  private offset = 0;
  /** Run ids by position; undefined once pruned (or created again at a later position). */
  private readonly slots: Array<string | undefined> = [];
  /** Each id's latest position, pruned ones included. */
  private readonly positions = new Map<string, number>();
  /** By position: 1 once the run's `-` line was read. */
  private ended = new Uint8Array(1024);
  private readonly byWorkflow = new Map<string, number[]>();
  /** Positions of runs whose line names no workflow (journals written before lines carried one). */
  private readonly unnamed: number[] = [];
  /** Positions of runs not known to be terminal, and some that ended since (see `compactActive`). */
  private active: number[] = [];
  /** `-` and `x` lines read since `active` was last compacted. */
  private endedSinceCompaction = 0;

  constructor(private readonly indexes: Indexes) {}

  /** Reads the journal's new lines. */
  refresh(): void {
    this.offset = this.indexes.readRunsJournal(this.offset, (line) => this.apply(line));
    if (this.endedSinceCompaction > this.active.length / 2) this.compactActive();
  }

  /** The latest position of a run the journal names (pruned or not), or undefined. */
  positionOf(runId: string): number | undefined {
    return this.positions.get(runId);
  }

  /** The run ids of a walk, lazily: a caller that fills its page stops early. */
  *walk({ sortOrder, after, workflowName, activeOnly }: RunWalk): Generator<string> {
    let positions: Iterable<number>;
    if (workflowName !== undefined) {
      const named = inOrder(this.byWorkflow.get(workflowName) ?? [], sortOrder, after);
      // Runs journaled without a name may be of any workflow: the caller checks their logs.
      positions =
        this.unnamed.length === 0
          ? named
          : merged(named, inOrder(this.unnamed, sortOrder, after), sortOrder);
    } else if (activeOnly) {
      positions = inOrder(this.active, sortOrder, after);
    } else {
      positions = allPositions(this.slots.length, sortOrder, after);
    }
    for (const position of positions) {
      const runId = this.slots[position];
      if (runId === undefined) continue;
      if (activeOnly && this.ended[position] === 1) continue;
      yield runId;
    }
  }

  private apply(line: string): void {
    const kind = line[0];
    if (kind === '-' || kind === 'x') {
      const position = this.positions.get(line.slice(1));
      if (position === undefined) return;
      this.endedSinceCompaction++;
      if (kind === '-') this.ended[position] = 1;
      else this.slots[position] = undefined;
      return;
    }
    const space = line.indexOf(' ');
    const runId = space < 0 ? line.slice(1) : line.slice(1, space);
    const known = this.positions.get(runId);
    // A second `+` line for a live run (a crash between the line and the run's first record, then
    // a retry) keeps the first position.
    if (known !== undefined && this.slots[known] !== undefined) return;
    const position = this.slots.length;
    this.slots.push(runId);
    this.positions.set(runId, position);
    if (position >= this.ended.length) {
      const grown = new Uint8Array(this.ended.length * 2);
      grown.set(this.ended);
      this.ended = grown;
    }
    this.active.push(position);
    if (space < 0) this.unnamed.push(position);
    else this.file(decodeWorkflowName(line.slice(space + 1)), position);
  }

  private file(workflowName: string, position: number): void {
    let positions = this.byWorkflow.get(workflowName);
    if (positions === undefined) {
      positions = [];
      this.byWorkflow.set(workflowName, positions);
    }
    positions.push(position);
  }

  /** Drops the runs that ended or were pruned; done once as many ended as half the list holds. */
  private compactActive(): void {
    this.active = this.active.filter(
      (position) => this.slots[position] !== undefined && this.ended[position] !== 1,
    );
    this.endedSinceCompaction = 0;
  }
}

/** The index of the first of the ascending `positions` greater than `value`. */
function firstAbove(positions: number[], value: number): number {
  let low = 0;
  let high = positions.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (positions[middle]! > value) high = middle;
    else low = middle + 1;
  }
  return low;
}

/** `0 … count - 1` in the walk's order, after `after`. */
function* allPositions(count: number, sortOrder: 'asc' | 'desc', after?: number) {
  if (sortOrder === 'asc')
    for (let p = after === undefined ? 0 : after + 1; p < count; p++) yield p;
  else for (let p = after === undefined ? count - 1 : after - 1; p >= 0; p--) yield p;
}

/** The ascending `positions` in the walk's order, after `after`. */
function* inOrder(positions: number[], sortOrder: 'asc' | 'desc', after?: number) {
  if (sortOrder === 'asc') {
    for (
      let i = after === undefined ? 0 : firstAbove(positions, after);
      i < positions.length;
      i++
    ) {
      yield positions[i]!;
    }
  } else {
    const last = after === undefined ? positions.length - 1 : firstAbove(positions, after - 1) - 1;
    for (let i = last; i >= 0; i--) yield positions[i]!;
  }
}

/** Two walks of positions merged into one, in the walk's order. */
function* merged(a: Iterator<number>, b: Iterator<number>, sortOrder: 'asc' | 'desc') {
  const first = (x: number, y: number) => (sortOrder === 'asc' ? x < y : x > y);
  let nextA = a.next();
  let nextB = b.next();
  while (!nextA.done || !nextB.done) {
    if (nextB.done || (!nextA.done && first(nextA.value, nextB.value))) {
      yield nextA.value as number;
      nextA = a.next();
    } else {
      yield nextB.value;
      nextB = b.next();
    }
  }
}
