import { isStaleWrite, PreconditionFailedError } from './errors.js';
import { idTime, type RandomSource } from './ids.js';
import { type BackoffOptions, retryDelayMs } from './queue/backoff.js';
import type { Event, EventResult, ListEventsParams } from './schemas/events.js';
import type { PaginatedResponse } from './schemas/shared.js';

/**
 * The client side of the `lastKnownEventId` fence (ARCHITECTURE.md, "Fences"): write with the
 * fence of the log the decision was made from; when the log has moved on, reload what is new, skip
 * the write if it is already there, otherwise try again with the new fence, a stated number of
 * times.
 */

/** Where a client's view of a run's log ends. */
export interface FenceTail {
  /** Id of the newest event the client has seen; undefined before the run has any. */
  lastEventId: string | undefined;
  /**
   * An `events.list` cursor at or before `lastEventId`: reloading from it returns every event
   * after it (some already seen, which is harmless). Undefined or null reloads from the start.
   */
  cursor: string | null | undefined;
}

/** The fence params to send with the write. */
export interface FenceParams {
  /** The CAS fence: refused with a 412 `FENCE_CONFLICT` unless still the run's newest event. */
  lastKnownEventId?: string;
  /** The precondition guard from the same event; only with the `guard` option. */
  stateUpdatedAt?: number;
}

export interface EventsAfter {
  /** Every event after `cursor`, ascending, all pages. */
  events: Event[];
  /** A cursor after the last of them (or the one given, when there were none). */
  cursor: string | null | undefined;
}

export interface CreateEventFencedOptions {
  /** Sends the write with these fence params spread into its `CreateEventParams`. */
  create(fence: FenceParams): Promise<EventResult>;
  /** Reloads the run's events after a cursor (see `listEventsAfter`). Its errors abort. */
  refresh(cursor: string | null | undefined): Promise<EventsAfter>;
  /** The end of the log the decision to write was made from. */
  tail: FenceTail;
  /**
   * The write being made, to recognise it among reloaded events when an earlier attempt
   * committed after all (a lost response, a concurrent replay doing the same thing). By default
   * an event with the same `eventType` and `correlationId` is the write (for `hook_created`, a
   * `hook_conflict` too); pass `isSameWrite` for event types that repeat, such as
   * `step_started`.
   */
  request: { eventType: string; correlationId?: string };
  isSameWrite?(event: Event): boolean;
  /**
   * Also send `stateUpdatedAt` (the tail event's ULID time, as the runtime computes it), for
   * Worlds that enforce only the precondition guard. Never for `step_completed` or
   * `hook_received`: a guarded one no longer counts as externally originated, so the marker
   * other writers are checked against would stop moving.
   */
  guard?: boolean;
  /** Retries after the first attempt; the write is sent at most `retries + 1` times (default 3). */
  retries?: number;
  /** Jittered backoff between attempts (default 25 ms rising to at most 1 s). */
  backoff?: BackoffOptions;
  random?: RandomSource;
  sleep?(ms: number): Promise<void>;
}

export interface CreateEventFencedResult {
  /** What `create` returned; absent when the write was skipped. */
  result?: EventResult;
  /** The end of the log after the write (or after the reload that skipped it). */
  tail: FenceTail;
  /** True when a reload showed the write already committed, so it was not sent again. */
  skipped: boolean;
  /** The already committed event, when skipped. */
  committedEvent?: Event;
}

export const DEFAULT_FENCE_RETRIES = 3;
const DEFAULT_FENCE_BACKOFF: Required<BackoffOptions> = { baseMs: 25, maxMs: 1_000 };

/**
 * Every attempt of a fenced write found the run's log moved on. Named `PreconditionFailedError`
 * (status 412) so a runtime treats it like a stale view: reload and re-invoke.
 */
export class FenceRetriesExhaustedError extends PreconditionFailedError {
  /** How many times the write was sent. */
  readonly attempts: number;
  /** The end of the log after the last reload. */
  readonly tail: FenceTail;

  constructor(attempts: number, tail: FenceTail, lastConflict: unknown) {
    super(
      `fenced write still stale after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${
        (lastConflict as Error)?.message ?? String(lastConflict)
      }`,
      { code: 'FENCE_RETRIES_EXHAUSTED', cause: lastConflict },
    );
    this.attempts = attempts;
    this.tail = tail;
  }
}

/**
 * Writes one event under the fence of `tail`, retrying on stale-view refusals: a
 * `FENCE_CONFLICT` or a `PreconditionFailedError` (the `stateUpdatedAt` guard's 412). Any other
 * error, including an ordinary `EntityConflictError` (409), propagates at once.
 */
export async function createEventFenced(
  options: CreateEventFencedOptions,
): Promise<CreateEventFencedResult> {
  const retries = options.retries ?? DEFAULT_FENCE_RETRIES;
  if (!Number.isInteger(retries) || retries < 0) {
    throw new RangeError(`retries must be a non-negative integer, got ${retries}`);
  }
  const backoff = { ...DEFAULT_FENCE_BACKOFF, ...options.backoff };
  const sleep = options.sleep ?? delay;
  const isSameWrite = options.isSameWrite ?? sameWriteAs(options.request);
  let tail = options.tail;

  for (let attempt = 1; ; attempt++) {
    let result: EventResult;
    try {
      result = await options.create(fenceOf(tail, options.guard === true));
    } catch (error) {
      if (!isStaleWrite(error)) throw error;
      const reloaded = await options.refresh(tail.cursor);
      tail = advance(tail, reloaded);
      const committedEvent = reloaded.events.find(isSameWrite);
      if (committedEvent !== undefined) return { tail, skipped: true, committedEvent };
      if (attempt > retries) throw new FenceRetriesExhaustedError(attempt, tail, error);
      await sleep(retryDelayMs(attempt, backoff, options.random));
      continue;
    }
    if (result.event !== undefined) {
      return { result, skipped: false, tail: { ...tail, lastEventId: result.event.eventId } };
    }
    // Nothing was appended (an idempotent no-op), so the result does not say where the log
    // ends: ask the log.
    return { result, skipped: false, tail: advance(tail, await options.refresh(tail.cursor)) };
  }
}

/**
 * A `refresh` for `createEventFenced` over a World's `events.list`: every event of the run after
 * the cursor, following pages until the last.
 */
export function listEventsAfter(
  events: { list(params: ListEventsParams): Promise<PaginatedResponse<Event>> },
  runId: string,
): (cursor: string | null | undefined) => Promise<EventsAfter> {
  return async (cursor) => {
    const collected: Event[] = [];
    let position = cursor ?? undefined;
    for (;;) {
      const page = await events.list({
        runId,
        pagination: { sortOrder: 'asc', ...(position === undefined ? {} : { cursor: position }) },
      });
      collected.push(...page.data);
      if (page.cursor !== null) position = page.cursor;
      if (!page.hasMore || page.cursor === null) return { events: collected, cursor: position };
    }
  };
}

function fenceOf(tail: FenceTail, guard: boolean): FenceParams {
  if (tail.lastEventId === undefined) return {};
  const time = guard ? idTime(tail.lastEventId) : undefined;
  return {
    lastKnownEventId: tail.lastEventId,
    ...(time === undefined ? {} : { stateUpdatedAt: time }),
  };
}

function advance(tail: FenceTail, reloaded: EventsAfter): FenceTail {
  const newest = reloaded.events.at(-1);
  return {
    lastEventId: newest?.eventId ?? tail.lastEventId,
    cursor: reloaded.cursor ?? tail.cursor,
  };
}

function sameWriteAs(request: { eventType: string; correlationId?: string }) {
  return (event: Event): boolean => {
    const type = event.eventType;
    const sameType =
      type === request.eventType ||
      (request.eventType === 'hook_created' && type === 'hook_conflict');
    return sameType && event.correlationId === request.correlationId;
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
