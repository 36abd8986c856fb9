import * as upstream from '@workflow/errors';
import { describe, expect, it } from 'vitest';
import {
  DeliveryTargetError,
  EntityConflictError,
  EntityNotFoundError,
  FenceConflictError,
  FenceRetriesExhaustedError,
  HookNotFoundError,
  InvalidCursorError,
  InvalidInputError,
  isFenceConflict,
  isStaleWrite,
  PreconditionFailedError,
  type RejectionCode,
  RunExpiredError,
  RunNotSupportedError,
  ThrottleError,
  TooEarlyError,
  WorkflowRunNotFoundError,
  WorkflowWorldError,
  worldErrorFromCode,
} from '../src/index.js';

type UpstreamCheck = { is(value: unknown): boolean; name: string };

interface Row {
  name: string;
  error: WorkflowWorldError;
  /** The `@workflow/errors` 4.2.1 class whose `is()` the runtime uses for it. */
  recognisedBy: UpstreamCheck;
  fields?: Record<string, unknown>;
}

const rows: Row[] = [
  {
    name: 'WorkflowWorldError',
    error: new WorkflowWorldError('backend down', { status: 503, code: 'TRANSPORT' }),
    recognisedBy: upstream.WorkflowWorldError,
    fields: { status: 503, code: 'TRANSPORT' },
  },
  {
    name: 'EntityConflictError',
    error: new EntityConflictError('step step_1 already exists'),
    recognisedBy: upstream.EntityConflictError,
    fields: { status: 409 },
  },
  {
    name: 'FenceConflictError',
    error: new FenceConflictError('wrun_1', 'evnt_a', 'evnt_b'),
    recognisedBy: upstream.EntityConflictError,
    fields: {
      status: 412,
      code: 'FENCE_CONFLICT',
      message: expect.stringMatching(/^fence conflict:/),
    },
  },
  {
    name: 'RunExpiredError',
    error: new RunExpiredError('run wrun_1 is already completed'),
    recognisedBy: upstream.RunExpiredError,
    fields: { status: 410 },
  },
  {
    name: 'PreconditionFailedError',
    error: new PreconditionFailedError('newer external event'),
    recognisedBy: upstream.PreconditionFailedError,
    fields: { status: 412 },
  },
  {
    name: 'FenceRetriesExhaustedError',
    error: new FenceRetriesExhaustedError(4, { lastEventId: 'evnt_x', cursor: null }, 'last'),
    recognisedBy: upstream.PreconditionFailedError,
    fields: { status: 412, code: 'FENCE_RETRIES_EXHAUSTED', attempts: 4 },
  },
  {
    name: 'TooEarlyError',
    error: new TooEarlyError('not before 12:00', { retryAfter: 7 }),
    recognisedBy: upstream.TooEarlyError,
    fields: { status: 425, retryAfter: 7 },
  },
  {
    name: 'ThrottleError',
    error: new ThrottleError('slow down', { retryAfter: 3 }),
    recognisedBy: upstream.ThrottleError,
    fields: { status: 429, retryAfter: 3 },
  },
  {
    name: 'WorkflowRunNotFoundError',
    error: new WorkflowRunNotFoundError('wrun_1'),
    recognisedBy: upstream.WorkflowRunNotFoundError,
    fields: { runId: 'wrun_1' },
  },
  {
    name: 'HookNotFoundError',
    error: new HookNotFoundError({ token: 'order:1' }),
    recognisedBy: upstream.HookNotFoundError,
    fields: { token: 'order:1' },
  },
  {
    name: 'RunNotSupportedError',
    error: new RunNotSupportedError(4, 3),
    recognisedBy: upstream.RunNotSupportedError,
    fields: { runSpecVersion: 4, worldSpecVersion: 3 },
  },
  {
    name: 'InvalidInputError',
    error: new InvalidInputError('eventData.token', 'expected 1-2048 characters'),
    recognisedBy: upstream.WorkflowWorldError,
    fields: { status: 400, code: 'INVALID_INPUT', field: 'eventData.token' },
  },
  {
    name: 'EntityNotFoundError',
    error: new EntityNotFoundError('step', 'step_1'),
    recognisedBy: upstream.WorkflowWorldError,
    fields: { status: 404 },
  },
  {
    name: 'InvalidCursorError',
    error: new InvalidCursorError('nope'),
    recognisedBy: upstream.WorkflowWorldError,
    fields: { status: 400 },
  },
  {
    name: 'DeliveryTargetError',
    error: new DeliveryTargetError(),
    recognisedBy: upstream.WorkflowWorldError,
    fields: { status: 503, code: 'NO_DELIVERY_TARGET' },
  },
];

const upstreamChecks: UpstreamCheck[] = [
  upstream.WorkflowWorldError,
  upstream.EntityConflictError,
  upstream.RunExpiredError,
  upstream.PreconditionFailedError,
  upstream.TooEarlyError,
  upstream.ThrottleError,
  upstream.WorkflowRunNotFoundError,
  upstream.HookNotFoundError,
  upstream.RunNotSupportedError,
];

describe('errors as @workflow/errors 4.2.1 sees them', () => {
  it.each(rows)(
    '$name is recognised by the matching X.is(), and only by it',
    ({ error, recognisedBy, fields }) => {
      expect(recognisedBy.is(error)).toBe(true);
      for (const check of upstreamChecks) {
        if (check !== recognisedBy) expect(check.is(error), `${check.name}.is`).toBe(false);
      }
      expect(error).toMatchObject(fields ?? {});
    },
  );

  it.each(rows)(
    '$name survives a trip through structured clone by name alone',
    ({ error, recognisedBy }) => {
      // Another realm (the workflow VM) sees a plain object with the same name and message.
      const copy = { name: error.name, message: error.message };
      expect(recognisedBy.is(copy)).toBe(true);
    },
  );

  it('gives every error named WorkflowWorldError a status, so none reads as a broken contract', () => {
    for (const { error } of rows) {
      if (error.name === 'WorkflowWorldError') expect(error.status, error.message).toBeDefined();
    }
  });

  it('tells fence conflicts and stale writes apart from ordinary conflicts', () => {
    const fence = new FenceConflictError('wrun_1', 'evnt_a', undefined);
    expect(isFenceConflict(fence)).toBe(true);
    expect(isStaleWrite(fence)).toBe(true);
    expect(isStaleWrite(new PreconditionFailedError('stale'))).toBe(true);
    expect(isFenceConflict(new EntityConflictError('duplicate'))).toBe(false);
    expect(isStaleWrite(new EntityConflictError('duplicate'))).toBe(false);
    expect(isFenceConflict({ name: 'EntityConflictError', code: 'FENCE_CONFLICT' })).toBe(true);
  });

  it.each<[RejectionCode, UpstreamCheck]>([
    ['CONFLICT', upstream.EntityConflictError],
    ['FENCE_CONFLICT', upstream.EntityConflictError],
    ['RUN_EXPIRED', upstream.RunExpiredError],
    ['PRECONDITION_FAILED', upstream.PreconditionFailedError],
    ['TOO_EARLY', upstream.TooEarlyError],
    ['RUN_NOT_FOUND', upstream.WorkflowRunNotFoundError],
    ['HOOK_NOT_FOUND', upstream.HookNotFoundError],
    ['NOT_FOUND', upstream.WorkflowWorldError],
    ['RUN_NOT_SUPPORTED', upstream.RunNotSupportedError],
  ])('worldErrorFromCode(%s) is recognised by the matching X.is()', (code, check) => {
    const error = worldErrorFromCode(code, {
      runId: 'wrun_1',
      retryAfter: 2,
      specVersion: 4,
      id: 'x',
      kind: 'wait',
    });
    expect(check.is(error)).toBe(true);
    if (code === 'FENCE_CONFLICT') expect(isFenceConflict(error)).toBe(true);
    if (code === 'TOO_EARLY') expect(error.retryAfter).toBe(2);
  });
});
