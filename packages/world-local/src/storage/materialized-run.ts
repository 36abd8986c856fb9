import type {
  Applied,
  EntityChanges,
  Event,
  Hook,
  RunState,
  Step,
  Wait,
  WorkflowRun,
} from '@worldkit/world';

/**
 * One committed write of a run: the record appended to the run's log. It carries what the
 * reference state machine decided (the appended events, the run's new state and the entity
 * changes), so replaying the log rebuilds the entities without re-deciding anything. Values that
 * did not change are left out, so payloads are not copied into every record: the run only when
 * the transition changed it, a step's input only when the step is new.
 */
export interface RunLogRecord {
  events: Event[];
  run?: WorkflowRun;
  lastEventId: string;
  externalMarker?: number;
  changes: Omit<EntityChanges, 'run'>;
  /** `changes.step` is an existing step whose input is the one recorded before. */
  stepInputKept?: true;
}

/**
 * Several writes committed as one record (`events.createBatch`): one checksum covers them all, so
 * a crash keeps all of them or none. A batch of one write is stored as a plain record.
 */
export interface BatchRecord {
  batch: RunLogRecord[];
}

export type LogRecord = RunLogRecord | BatchRecord;

/** The record of an applied transition on `current`. */
export function recordOf(outcome: Applied, current: MaterializedRun): RunLogRecord {
  const { run: runChanged, ...changes } = outcome.changes;
  const record: RunLogRecord = {
    events: outcome.events,
    lastEventId: outcome.run.lastEventId,
    changes,
  };
  if (runChanged) record.run = outcome.run.run;
  if (outcome.run.externalMarker !== undefined) record.externalMarker = outcome.run.externalMarker;
  const step = changes.step;
  const previous = step === undefined ? undefined : current.steps.get(step.stepId);
  if (step !== undefined && previous !== undefined && previous.input === step.input) {
    const { input: _kept, ...rest } = step;
    record.changes = { ...changes, step: rest as Step };
    record.stepInputKept = true;
  }
  return record;
}

/** A run's entities as its log says they are, up to byte `offset` of the log. */
export class MaterializedRun {
  /** Bytes of the log applied so far (always the end of a valid record). */
  offset = 0;
  /** The log's size when last read; more than `offset` means an incomplete record follows. */
  observedSize = 0;
  /** The inode of the log file it was read from. */
  inode = -1;
  state: RunState | undefined;
  readonly events: Event[] = [];
  /** Steps in creation order (a Map keeps first-insertion order across updates). */
  readonly steps = new Map<string, Step>();
  /** Active hooks by hook id, in creation order. */
  readonly hooks = new Map<string, Hook>();
  /** Hook ids that ever had a `hook_created` in this run, with that event's id. */
  readonly hooksEverCreated = new Map<string, string>();
  /** Waits by wait id. */
  readonly waits = new Map<string, Wait>();
  /** Correlation ids seen in this run's events. */
  readonly correlations = new Set<string>();

  /** Applies the record that ends at byte `end` of the log. */
  apply(record: LogRecord, end: number): void {
    for (const write of 'batch' in record ? record.batch : [record]) this.applyWrite(write);
    this.offset = end;
    this.observedSize = Math.max(this.observedSize, end);
  }

  private applyWrite(record: RunLogRecord): void {
    for (const event of record.events) {
      this.events.push(event);
      if (event.correlationId !== undefined) this.correlations.add(event.correlationId);
      if (event.eventType === 'hook_created') {
        this.hooksEverCreated.set(event.correlationId, event.eventId);
      }
    }
    this.state = {
      run: record.run ?? this.state!.run,
      lastEventId: record.lastEventId,
      ...(record.externalMarker === undefined ? {} : { externalMarker: record.externalMarker }),
    };
    const { changes } = record;
    if (changes.step) {
      const step = record.stepInputKept
        ? { ...changes.step, input: this.steps.get(changes.step.stepId)?.input }
        : changes.step;
      this.steps.set(step.stepId, step);
    }
    if (changes.createdHook) this.hooks.set(changes.createdHook.hookId, changes.createdHook);
    if (changes.deletedHook) this.hooks.delete(changes.deletedHook.hookId);
    if (changes.wait) this.waits.set(changes.wait.waitId, changes.wait);
    if (changes.releaseRunResources) {
      this.hooks.clear();
      this.waits.clear();
    }
  }

  /** Index of the event with this id, by binary search (ids increase strictly in log order). */
  indexOfEvent(eventId: string): number {
    let low = 0;
    let high = this.events.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const id = this.events[middle]!.eventId;
      if (id === eventId) return middle;
      if (id < eventId) low = middle + 1;
      else high = middle - 1;
    }
    return -1;
  }
}
