/**
 * Typed errors of the World contract.
 *
 * The Workflow SDK runtime recognises errors by their `name` string (its `X.is()` checks), never
 * with `instanceof`: the workflow VM is another realm. So every class here sets the exact `name`
 * the runtime matches, and callers should match by `name` and `code` too. The classes still form
 * one hierarchy under `WorkflowWorldError` so that `instanceof` works inside one realm.
 */

export interface WorkflowWorldErrorOptions {
  status?: number;
  code?: string;
  /** The URL of the request that failed, for Worlds that talk to a backend over HTTP. */
  url?: string;
  retryAfter?: number;
  cause?: unknown;
}

/** A World failure. `status` follows HTTP meaning; `code` is a stable machine-readable reason. */
export class WorkflowWorldError extends Error {
  status?: number;
  code?: string;
  url?: string;
  /** Seconds until the operation may succeed, where that is known. */
  retryAfter?: number;

  constructor(message: string, options: WorkflowWorldErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WorkflowWorldError';
    if (options.status !== undefined) this.status = options.status;
    if (options.code !== undefined) this.code = options.code;
    if (options.url !== undefined) this.url = options.url;
    if (options.retryAfter !== undefined) this.retryAfter = options.retryAfter;
  }
}

/** 409: a duplicate creation, a lost completion claim, or a transition out of a terminal state. */
export class EntityConflictError extends WorkflowWorldError {
  constructor(message: string, options: WorkflowWorldErrorOptions = {}) {
    super(message, { status: 409, code: 'CONFLICT', ...options });
    this.name = 'EntityConflictError';
  }
}

/**
 * 412 from the `lastKnownEventId` compare-and-set: the run's newest event is not the one the
 * writer decided from. Named `EntityConflictError` so that runtimes unaware of the fence treat it
 * as a conflict; recognised precisely by `code === 'FENCE_CONFLICT'` (see `isFenceConflict`).
 */
export class FenceConflictError extends EntityConflictError {
  readonly expectedEventId: string | undefined;
  readonly actualEventId: string | undefined;

  constructor(
    runId: string,
    expectedEventId: string | undefined,
    actualEventId: string | undefined,
  ) {
    super(
      `fence conflict: run ${runId} has newest event ${actualEventId ?? '(none)'}, ` +
        `the write expected ${expectedEventId ?? '(none)'}`,
      { status: 412, code: 'FENCE_CONFLICT' },
    );
    this.expectedEventId = expectedEventId;
    this.actualEventId = actualEventId;
  }
}

/** 410: the run is terminal and the event can no longer apply to it. */
export class RunExpiredError extends WorkflowWorldError {
  constructor(message: string) {
    super(message, { status: 410, code: 'RUN_EXPIRED' });
    this.name = 'RunExpiredError';
  }
}

/** 412 from the `stateUpdatedAt` guard: a newer externally originated event arrived. */
export class PreconditionFailedError extends WorkflowWorldError {
  constructor(
    message: string,
    options: { retryAfter?: number; code?: string; cause?: unknown } = {},
  ) {
    super(message, { status: 412, code: 'PRECONDITION_FAILED', ...options });
    this.name = 'PreconditionFailedError';
  }
}

/** 425: the step may not start before its `retryAfter`; `retryAfter` holds the seconds left. */
export class TooEarlyError extends WorkflowWorldError {
  constructor(message: string, options: { retryAfter?: number } = {}) {
    super(message, { status: 425, code: 'TOO_EARLY', ...options });
    this.name = 'TooEarlyError';
  }
}

/** 429: the backend is overloaded; try again after `retryAfter` seconds. */
export class ThrottleError extends WorkflowWorldError {
  constructor(message: string, options: { retryAfter?: number } = {}) {
    super(message, { status: 429, code: 'THROTTLED', ...options });
    this.name = 'ThrottleError';
  }
}

export class WorkflowRunNotFoundError extends WorkflowWorldError {
  readonly runId: string;

  constructor(runId: string) {
    super(`workflow run ${runId} not found`, { status: 404, code: 'RUN_NOT_FOUND' });
    this.name = 'WorkflowRunNotFoundError';
    this.runId = runId;
  }
}

/** What a hook lookup was keyed by: `hooks.getByToken` looks up a token, `hooks.get` an id. */
export type HookLookup = { token: string } | { hookId: string };

export class HookNotFoundError extends WorkflowWorldError {
  /** The token or hook id that was looked up. */
  readonly token: string;

  /** A token that matches no hook, as `@workflow/errors` takes it. */
  constructor(token: string);
  /** A token or a hook id that matches no hook; the message says which was looked up. */
  constructor(lookup: HookLookup);
  constructor(lookup: string | HookLookup) {
    const keyed = typeof lookup === 'string' ? { token: lookup } : lookup;
    const what = 'token' in keyed ? `token ${keyed.token}` : `id ${keyed.hookId}`;
    super(`hook with ${what} not found`, { status: 404, code: 'HOOK_NOT_FOUND' });
    this.name = 'HookNotFoundError';
    this.token = 'token' in keyed ? keyed.token : keyed.hookId;
  }
}

/** The run was created by a newer spec version than this World understands. */
export class RunNotSupportedError extends WorkflowWorldError {
  readonly runSpecVersion: number;
  readonly worldSpecVersion: number;

  constructor(runSpecVersion: number, worldSpecVersion: number) {
    super(
      `run spec version ${runSpecVersion} is not supported by this World (spec version ${worldSpecVersion})`,
      { status: 400, code: 'RUN_NOT_SUPPORTED' },
    );
    this.name = 'RunNotSupportedError';
    this.runSpecVersion = runSpecVersion;
    this.worldSpecVersion = worldSpecVersion;
  }
}

/**
 * Caller input failed validation. Named `WorkflowWorldError` with status 400 so the runtime treats
 * it as an ordinary failure: a status-less world error with a schema code would be read as a
 * broken World contract and fail the run permanently.
 */
export class InvalidInputError extends WorkflowWorldError {
  /** Dotted path of the offending field, e.g. `eventData.token`. */
  readonly field: string;
  /** What is wrong with it, e.g. `expected a string`. */
  readonly problem: string;

  constructor(field: string, problem: string) {
    super(`invalid ${field}: ${problem}`, { status: 400, code: 'INVALID_INPUT' });
    this.field = field;
    this.problem = problem;
  }
}

/** A step, event or wait that does not exist: status 404, as the contract recommends. */
export class EntityNotFoundError extends WorkflowWorldError {
  constructor(kind: 'step' | 'event' | 'wait' | 'stream', id: string) {
    super(`${kind} ${id} not found`, { status: 404, code: 'NOT_FOUND' });
  }
}

/** A pagination cursor this World did not issue; the runtime reloads in full on status 400. */
export class InvalidCursorError extends WorkflowWorldError {
  constructor(cursor: string) {
    super(`invalid pagination cursor ${JSON.stringify(cursor)}`, {
      status: 400,
      code: 'INVALID_CURSOR',
    });
  }
}

/**
 * A call on a World after its `close()`, `start()` included: nothing runs on a closed World.
 * Status 503 with code `WORLD_CLOSED`, the same on every World.
 */
export class WorldClosedError extends WorkflowWorldError {
  constructor(detail = 'this World is closed') {
    super(detail, { status: 503, code: 'WORLD_CLOSED' });
  }
}

/**
 * A queue delivery has nowhere to go: no base URL or port is configured and this process is not
 * listening on any TCP port. Status 503: the condition clears once the app listens.
 */
export class DeliveryTargetError extends WorkflowWorldError {
  constructor(detail?: string) {
    super(
      'cannot tell where to deliver queue messages: set PORT or WORKFLOW_LOCAL_BASE_URL ' +
        `(or pass baseUrl or port to the World)${detail === undefined ? '' : `; ${detail}`}`,
      { status: 503, code: 'NO_DELIVERY_TARGET' },
    );
  }
}

/** True for the `lastKnownEventId` fence refusal, whatever realm or class produced it. */
export function isFenceConflict(error: unknown): boolean {
  return hasNameAndCode(error, 'EntityConflictError', 'FENCE_CONFLICT');
}

/** True for any refusal that means "your view of the run is stale": the fence or the guard. */
export function isStaleWrite(error: unknown): boolean {
  return isFenceConflict(error) || hasName(error, 'PreconditionFailedError');
}

export function hasName(error: unknown, name: string): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === name;
}

function hasNameAndCode(error: unknown, name: string, code: string): boolean {
  return hasName(error, name) && (error as { code?: unknown }).code === code;
}
