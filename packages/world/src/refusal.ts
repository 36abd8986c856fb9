/**
 * Refusals as data. A World that decides a write natively (a PL/pgSQL function, a Lua script)
 * reports a refusal as a code, a message and, for a few codes, one detail; `refusalError` turns
 * it into the typed error the reference state machine gives, which builds its own errors the
 * same way. One mapping for every World.
 */
import {
  EntityConflictError,
  EntityNotFoundError,
  FenceConflictError,
  HookNotFoundError,
  PreconditionFailedError,
  RunExpiredError,
  RunNotSupportedError,
  TooEarlyError,
  WorkflowRunNotFoundError,
  type WorkflowWorldError,
} from './errors.js';
import { waitIdOf } from './schemas/waits.js';
import { RUN_SPEC_VERSION_MAX } from './spec-versions.js';

export type RejectionCode =
  | 'CONFLICT'
  | 'FENCE_CONFLICT'
  | 'RUN_EXPIRED'
  | 'PRECONDITION_FAILED'
  | 'TOO_EARLY'
  | 'RUN_NOT_FOUND'
  | 'HOOK_NOT_FOUND'
  | 'NOT_FOUND'
  | 'RUN_NOT_SUPPORTED';

export interface Refusal {
  code: RejectionCode;
  message?: string | null | undefined;
  /**
   * TOO_EARLY: seconds until the step may start; FENCE_CONFLICT: the run's newest event id;
   * RUN_NOT_SUPPORTED: the run's spec version.
   */
  detail?: string | null | undefined;
}

/** What the writer sent, which the error names beside what the backend reported. */
export interface RefusalContext {
  runId: string;
  eventType: string;
  correlationId?: string | undefined;
  lastKnownEventId?: string | undefined;
}

export function refusalError(refusal: Refusal, context: RefusalContext): WorkflowWorldError {
  const { runId } = context;
  const message = refusal.message || `${refusal.code} on run ${runId}`;
  const detail = refusal.detail || undefined;
  const correlationId = context.correlationId ?? '';
  switch (refusal.code) {
    case 'CONFLICT':
      return new EntityConflictError(message);
    case 'FENCE_CONFLICT':
      return new FenceConflictError(runId, context.lastKnownEventId, detail);
    case 'RUN_EXPIRED':
      return new RunExpiredError(message);
    case 'PRECONDITION_FAILED':
      return new PreconditionFailedError(message);
    case 'TOO_EARLY':
      return new TooEarlyError(message, { retryAfter: Number(detail ?? 1) });
    case 'RUN_NOT_FOUND':
      return new WorkflowRunNotFoundError(runId);
    case 'HOOK_NOT_FOUND':
      return new HookNotFoundError({ hookId: correlationId });
    case 'NOT_FOUND':
      return context.eventType.startsWith('wait_')
        ? new EntityNotFoundError('wait', waitIdOf(runId, correlationId))
        : new EntityNotFoundError('step', correlationId);
    case 'RUN_NOT_SUPPORTED':
      return new RunNotSupportedError(Number(detail ?? Number.NaN), RUN_SPEC_VERSION_MAX);
  }
}
