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
  refusalError,
  ThrottleError,
  TooEarlyError,
  WorkflowRunNotFoundError,
  WorkflowWorldError,
  WorldClosedError,
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
    error: new HookNotFoundError({ hookId: 'hook_1' }),
    recognisedBy: upstream.HookNotFoundError,
    fields: { token: 'hook_1', message: 'hook with id hook_1 not found' },
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
  {
    name: 'WorldClosedError',
    error: new WorldClosedError(),
    recognisedBy: upstream.WorkflowWorldError,
    fields: { status: 503, code: 'WORLD_CLOSED' },
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
  ])('refusalError(%s) is recognised by the matching X.is()', (code, check) => {
    const detail = code === 'TOO_EARLY' ? '2' : code === 'RUN_NOT_SUPPORTED' ? '4' : undefined;
    const error = refusalError(
      { code, detail },
      { runId: 'wrun_1', eventType: 'wait_completed', correlationId: 'x' },
    );
    expect(check.is(error)).toBe(true);
    if (code === 'FENCE_CONFLICT') expect(isFenceConflict(error)).toBe(true);
    if (code === 'TOO_EARLY') expect(error.retryAfter).toBe(2);
  });
});

/**
 * One upstream constructor call: `ours` must accept exactly the arguments `@workflow/errors`
 * 4.2.1 takes, so code written against those classes compiles and runs against these. The
 * type parameter makes the type check prove it for the argument types, the test for the values.
 */
interface UpstreamCall {
  upstream: UpstreamCheck;
  make: () => { ours: WorkflowWorldError; theirs: Error };
  expected: { name: string; status: number | undefined; message: RegExp | string };
}

function call<A extends unknown[]>(
  upstreamClass: UpstreamCheck & (new (...args: A) => Error),
  ours: new (...args: NoInfer<A>) => WorkflowWorldError,
  args: A,
  expected: UpstreamCall['expected'],
): UpstreamCall {
  return {
    upstream: upstreamClass,
    make: () => ({ ours: new ours(...args), theirs: new upstreamClass(...args) }),
    expected,
  };
}

const upstreamCalls: UpstreamCall[] = [
  call(
    upstream.WorkflowWorldError,
    WorkflowWorldError,
    [
      'backend said no',
      {
        status: 502,
        url: 'https://backend.example/v1/events',
        code: 'BAD_GATEWAY',
        retryAfter: 4,
        cause: new Error('socket hang up'),
      },
    ],
    { name: 'WorkflowWorldError', status: 502, message: 'backend said no' },
  ),
  call(upstream.WorkflowWorldError, WorkflowWorldError, ['plain'], {
    name: 'WorkflowWorldError',
    status: undefined,
    message: 'plain',
  }),
  call(upstream.EntityConflictError, EntityConflictError, ['step step_1 already exists'], {
    name: 'EntityConflictError',
    status: 409,
    message: 'step step_1 already exists',
  }),
  call(upstream.RunExpiredError, RunExpiredError, ['run wrun_1 is completed'], {
    name: 'RunExpiredError',
    status: 410,
    message: 'run wrun_1 is completed',
  }),
  call(upstream.TooEarlyError, TooEarlyError, ['not yet', { retryAfter: 5 }], {
    name: 'TooEarlyError',
    status: 425,
    message: 'not yet',
  }),
  call(upstream.TooEarlyError, TooEarlyError, ['not yet'], {
    name: 'TooEarlyError',
    status: 425,
    message: 'not yet',
  }),
  call(upstream.ThrottleError, ThrottleError, ['slow down', { retryAfter: 2 }], {
    name: 'ThrottleError',
    status: 429,
    message: 'slow down',
  }),
  call(upstream.PreconditionFailedError, PreconditionFailedError, ['stale', { retryAfter: 1 }], {
    name: 'PreconditionFailedError',
    status: 412,
    message: 'stale',
  }),
  call(upstream.WorkflowRunNotFoundError, WorkflowRunNotFoundError, ['wrun_1'], {
    name: 'WorkflowRunNotFoundError',
    status: 404,
    message: /wrun_1/,
  }),
  call(upstream.HookNotFoundError, HookNotFoundError, ['order:1'], {
    name: 'HookNotFoundError',
    status: 404,
    message: /order:1/,
  }),
  call(upstream.RunNotSupportedError, RunNotSupportedError, [4, 3], {
    name: 'RunNotSupportedError',
    status: 400,
    message: /spec version 4.*spec version 3/,
  }),
];

describe('errors constructed with the arguments @workflow/errors 4.2.1 takes', () => {
  it.each(upstreamCalls.map((row) => [row.expected.name, row] as const))(
    '%s accepts the upstream arguments and is recognised by the upstream X.is()',
    (_name, { upstream: upstreamClass, make, expected }) => {
      const { ours, theirs } = make();
      expect(ours.name).toBe(theirs.name);
      expect(ours.name).toBe(expected.name);
      expect(ours.status).toBe(expected.status);
      if (typeof expected.message === 'string') expect(ours.message).toBe(expected.message);
      else expect(ours.message).toMatch(expected.message);
      expect(upstreamClass.is(ours)).toBe(true);
      expect(ours).toBeInstanceOf(WorkflowWorldError);
    },
  );

  it('keeps every field the upstream constructor stores', () => {
    const cause = new Error('socket hang up');
    const options = { status: 502, url: 'https://backend.example/v1', code: 'X', retryAfter: 4 };
    expect(new WorkflowWorldError('m', { ...options, cause })).toMatchObject({ ...options, cause });
    expect(new HookNotFoundError('order:1').token).toBe('order:1');
    expect(new WorkflowRunNotFoundError('wrun_1').runId).toBe('wrun_1');
    expect(new TooEarlyError('m', { retryAfter: 5 }).retryAfter).toBe(5);
    expect(new ThrottleError('m', { retryAfter: 2 }).retryAfter).toBe(2);
    expect(new PreconditionFailedError('m', { retryAfter: 1 }).retryAfter).toBe(1);
    expect(new RunNotSupportedError(4, 3)).toMatchObject({
      runSpecVersion: 4,
      worldSpecVersion: 3,
    });
  });
});
