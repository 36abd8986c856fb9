/**
 * The event rules as data: for each event type, the entity it touches, the refusals it may meet
 * (in the order they are checked), when it is an idempotent no-op, and the status it leaves.
 *
 * This table is the one source of the rules. The reference state machine evaluates it
 * (`evaluate.ts`); the PostgreSQL World's rule functions and the Redis World's rule include are
 * generated from it (`pnpm --filter @worldkit/world-postgres generate`, `… world-redis generate`),
 * and each of those packages has a test that fails when its generated file is stale. A rule
 * changed here is a rule changed in every World. See ARCHITECTURE.md, "One rule source".
 *
 * What stays code, in each World, because it is about storage rather than about the rules: how
 * the touched entity is found and written, the resilient start (a `run_started` carrying the
 * creation data creates a missing run), the hook-token conflict (an event, not a refusal), and
 * the two fences, which every event passes the same way before its own rules
 * (`stateUpdatedAt`, then `lastKnownEventId`).
 */
import type { RejectionCode } from '../refusal.js';
import type { EventType } from '../schemas/events.js';

/** The entity an event is about. For run events it is the run itself. */
export type RuleEntity = 'run' | 'step' | 'hook' | 'wait';

/**
 * What a rule may look at. `entity` is the touched entity's status, absent when it does not
 * exist; a hook's status is `active`, or `disposed` once it was deleted (by its dispose or its
 * run's end). `retryPending` is a step's `retryAfter` still in the future.
 */
export type Condition =
  | { readonly entity: 'missing' }
  | { readonly entity: 'present' }
  | { readonly entity: 'in'; readonly statuses: readonly string[] }
  | { readonly run: 'in'; readonly statuses: readonly string[] }
  | { readonly retryPending: true }
  | { readonly all: readonly Condition[] }
  | { readonly not: Condition };

/**
 * A refusal's message, with `{runId}`, `{correlationId}`, `{runStatus}`, `{entityStatus}` and
 * `{retryAfterSeconds}` filled in.
 */
export type MessageTemplate = string;

export interface RefusalRule {
  readonly when: Condition;
  readonly code: RejectionCode;
  readonly message: MessageTemplate;
}

export interface EventRule {
  readonly entity: RuleEntity;
  /** Checked in order; the first that holds refuses the event and nothing is written. */
  readonly refusals: readonly RefusalRule[];
  /** When it holds (after the refusals pass), the event is valid and appends nothing. */
  readonly unchangedWhen?: Condition;
  /** The entity's status after the event (absent: the event changes no status). */
  readonly becomes?: string;
  /**
   * Written without `stateUpdatedAt`, the event comes from outside the replay (a hook payload, a
   * step's result) and moves the run's `stateUpdatedAt` marker.
   */
  readonly external?: true;
  /** The run ends: its hooks are deleted (their tokens released) and its waits dropped. */
  readonly endsRun?: true;
}

export const TERMINAL_STATUSES = ['completed', 'failed', 'cancelled'] as const;

const runEnded: Condition = { run: 'in', statuses: TERMINAL_STATUSES };
const entityEnded: Condition = { entity: 'in', statuses: TERMINAL_STATUSES };

const runAlready: RefusalRule = {
  when: runEnded,
  code: 'CONFLICT',
  message: 'run {runId} is already {runStatus}',
};

const stepMissing: RefusalRule = {
  when: { entity: 'missing' },
  code: 'NOT_FOUND',
  message: 'step {correlationId} not found',
};
const stepAlready: RefusalRule = {
  when: entityEnded,
  code: 'CONFLICT',
  message: 'step {correlationId} is already {entityStatus}',
};
/** Once the run is terminal, only a step already running may still start over or fail. */
const stepOutlivedRun: RefusalRule = {
  when: { all: [runEnded, { not: { entity: 'in', statuses: ['running'] } }] },
  code: 'RUN_EXPIRED',
  message: 'run {runId} is {runStatus}; step {correlationId} is {entityStatus}',
};

/** Hooks are deleted on dispose and when their run terminates: both read as "not found". */
const hookGone: RefusalRule = {
  when: { not: { entity: 'in', statuses: ['active'] } },
  code: 'HOOK_NOT_FOUND',
  message: 'hook {correlationId} not found in run {runId}',
};

const endRun = (becomes: string): EventRule => ({
  entity: 'run',
  refusals: [runAlready],
  becomes,
  endsRun: true,
});

export const EVENT_RULES = {
  run_created: {
    entity: 'run',
    refusals: [
      { when: { entity: 'present' }, code: 'CONFLICT', message: 'run {runId} already exists' },
    ],
    becomes: 'pending',
  },
  run_started: {
    entity: 'run',
    refusals: [
      { when: runEnded, code: 'RUN_EXPIRED', message: 'run {runId} is already {runStatus}' },
    ],
    unchangedWhen: { run: 'in', statuses: ['running'] },
    becomes: 'running',
  },
  run_completed: endRun('completed'),
  run_failed: endRun('failed'),
  run_cancelled: {
    ...endRun('cancelled'),
    // Cancelling twice is a no-op, so a terminal event stays the run's last run event.
    refusals: [{ ...runAlready, when: { run: 'in', statuses: ['completed', 'failed'] } }],
    unchangedWhen: { run: 'in', statuses: ['cancelled'] },
  },
  step_created: {
    entity: 'step',
    refusals: [
      runAlready,
      {
        when: { entity: 'present' },
        code: 'CONFLICT',
        message: 'step {correlationId} already exists in run {runId}',
      },
    ],
    becomes: 'pending',
  },
  step_started: {
    entity: 'step',
    refusals: [
      stepMissing,
      stepAlready,
      stepOutlivedRun,
      {
        when: { retryPending: true },
        code: 'TOO_EARLY',
        message: 'step {correlationId} may not start for another {retryAfterSeconds} s',
      },
    ],
    becomes: 'running',
  },
  step_completed: {
    entity: 'step',
    refusals: [stepMissing, stepAlready],
    becomes: 'completed',
    external: true,
  },
  step_failed: {
    entity: 'step',
    refusals: [stepMissing, stepAlready, stepOutlivedRun],
    becomes: 'failed',
  },
  step_retrying: {
    entity: 'step',
    refusals: [stepMissing, stepAlready],
    becomes: 'pending',
  },
  hook_created: {
    entity: 'hook',
    refusals: [
      runAlready,
      // A hook id is used once per run, also after its hook was disposed.
      {
        when: { entity: 'present' },
        code: 'CONFLICT',
        message: 'hook {correlationId} already exists in run {runId}',
      },
    ],
    becomes: 'active',
  },
  hook_received: { entity: 'hook', refusals: [hookGone], external: true },
  hook_disposed: { entity: 'hook', refusals: [hookGone], becomes: 'disposed' },
  wait_created: {
    entity: 'wait',
    refusals: [
      runAlready,
      {
        when: { entity: 'present' },
        code: 'CONFLICT',
        message: 'wait {runId}-{correlationId} already exists in run {runId}',
      },
    ],
    becomes: 'waiting',
  },
  wait_completed: {
    entity: 'wait',
    refusals: [
      {
        when: { entity: 'missing' },
        code: 'NOT_FOUND',
        message: 'wait {runId}-{correlationId} not found',
      },
      {
        when: { entity: 'in', statuses: ['completed'] },
        code: 'CONFLICT',
        message: 'wait {runId}-{correlationId} is already completed',
      },
    ],
    becomes: 'completed',
  },
} as const satisfies Record<RequestedEventType, EventRule>;

/** The event types a writer may send (`hook_conflict` is only ever written by a World). */
export type RequestedEventType = Exclude<EventType, 'hook_conflict'>;

export type EventRules = typeof EVENT_RULES;
