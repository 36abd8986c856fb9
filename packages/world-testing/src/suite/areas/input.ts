import { MAX_NESTING_DEPTH, RUN_SPEC_VERSION_MAX, type World } from '@worldkit/world';
import { expect } from 'vitest';
import {
  expectInvalid,
  expectRejectedWithoutEffect,
  expectRejects,
  snapshotRun,
} from '../assertions.js';
import type { ConformanceCase } from '../context.js';
import {
  append,
  createRun,
  createRunWithStepAndHook,
  ev,
  multiWriter,
  payload,
} from '../fixtures.js';
import { newHookId, newRunId, newStepId, newToken, uid, workflowQueue } from '../names.js';

/** A malformed `events.create` on an existing run: a 400 naming `field`, and the run unchanged. */
function badEvent(
  name: string,
  field: string | undefined,
  make: (ids: { stepId: string; hookId: string }) => Record<string, unknown>,
  params?: Record<string, unknown>,
  runIdOverride?: string,
): ConformanceCase {
  return {
    name,
    async run(t) {
      const world = await t.world();
      const { runId, stepId, hookId } = await createRunWithStepAndHook(world);
      const before = await snapshotRun(world, runId);
      await expectInvalid(
        name,
        () =>
          world.events.create(
            (runIdOverride ?? runId) as string,
            make({ stepId, hookId }) as never,
            params as never,
          ),
        field,
      );
      expect(await snapshotRun(world, runId), `${name}: the refused write changed the run`).toEqual(
        before,
      );
    },
  };
}

/** A malformed `events.create` params on a valid step_created: a 400 naming `field`. */
function badParams(name: string, field: string, params: Record<string, unknown>): ConformanceCase {
  return badEvent(name, field, () => ev.stepCreated(newStepId()), params);
}

/** A valid event of every correlated type, on the run of a `badEvent` case. */
const VALID_CORRELATED: Record<string, (ids: { stepId: string; hookId: string }) => object> = {
  step_started: ({ stepId }) => ev.stepStarted(stepId),
  step_completed: ({ stepId }) => ev.stepCompleted(stepId),
  step_failed: ({ stepId }) => ev.stepFailed(stepId),
  step_retrying: ({ stepId }) => ev.stepRetrying(stepId),
  hook_created: () => ev.hookCreated(newHookId(), newToken()),
  hook_received: ({ hookId }) => ev.hookReceived(hookId, 'x'),
  hook_disposed: ({ hookId }) => ev.hookDisposed(hookId, 'x'),
  wait_created: () => ev.waitCreated(`wait_${uid()}`, new Date()),
  wait_completed: () => ev.waitCompleted(`wait_${uid()}`),
};

/** A malformed `run_created`: a 400 naming `field`, and no run created. */
function badRunCreated(
  name: string,
  field: string | undefined,
  data: Record<string, unknown>,
  runId = newRunId(),
): ConformanceCase {
  return {
    name,
    async run(t) {
      const world = await t.world();
      await expectInvalid(name, () => world.events.create(runId, data as never), field);
      // Nothing written: no run carries the refused event's (unique) workflow name.
      const workflowName = (data.eventData as { workflowName?: unknown } | undefined)?.workflowName;
      if (typeof workflowName === 'string') {
        const listed = await world.runs.list({ workflowName });
        expect(listed.data, `${name}: the refused run_created created a run`).toEqual([]);
      }
    },
  };
}

/** `levels` objects nested one in another, the innermost holding `bottom`. */
function nestedObjects(levels: number, bottom: unknown = 'bottom'): unknown {
  let value = bottom;
  for (let i = 0; i < levels; i++) value = { level: value };
  return value;
}

function cyclicObject(): Record<string, unknown> {
  const value: Record<string, unknown> = { name: 'order' };
  value.self = value;
  return value;
}

/**
 * An event whose payload field holds a value no encoder can store: a 400 naming exactly `field`
 * (not a stack overflow or a retryable transport error), and the run unchanged.
 */
function unstorablePayload(
  name: string,
  field: string,
  make: (ids: { stepId: string; hookId: string }) => Record<string, unknown>,
): ConformanceCase {
  return {
    name: `${name} → 400 naming ${field}, nothing written`,
    async run(t) {
      const world = await t.world();
      const runId = await createRun(world, { started: true });
      const stepId = newStepId();
      const hookId = newHookId();
      await append(world, runId, ev.stepCreated(stepId));
      await append(world, runId, ev.hookCreated(hookId, newToken()));
      const error = await expectRejectedWithoutEffect(
        world,
        runId,
        name,
        () => world.events.create(runId, make({ stepId, hookId }) as never),
        { name: 'WorkflowWorldError', status: 400, code: 'INVALID_INPUT', field },
      );
      expect(error.field, `${name}: the refusal names the field`).toBe(field);
    },
  };
}

async function streamUnchanged(world: World, name: string, runId: string) {
  const info = await world.getStreamInfo(name, runId);
  expect(info, 'a refused stream write left data behind').toEqual({ tailIndex: -1, done: false });
}

const valid = ev.runCreated();

export const inputCases: ConformanceCase[] = [
  badRunCreated('an unknown eventType', 'eventType', { ...valid, eventType: 'run_exploded' }),
  badRunCreated('run_created without eventData', undefined, {
    eventType: 'run_created',
    specVersion: 3,
  }),
  badRunCreated('run_created without workflowName', 'eventData.workflowName', {
    ...valid,
    eventData: { deploymentId: 'dpl', input: payload() },
  }),
  badRunCreated('run_created with a numeric deploymentId', 'eventData.deploymentId', {
    ...valid,
    eventData: { ...valid.eventData, deploymentId: 42 },
  }),
  badRunCreated('run_created with a NUL character in its workflowName', 'eventData.workflowName', {
    ...valid,
    eventData: { ...valid.eventData, workflowName: `workflow//./x//wf\u0000${uid()}` },
  }),
  badRunCreated('run_created with a NUL character in its deploymentId', 'eventData.deploymentId', {
    ...valid,
    eventData: { ...valid.eventData, deploymentId: 'dpl\u0000' },
  }),
  badRunCreated('run_created with a run id containing "/"', 'runId', valid, `wrun_${uid()}/../x`),
  badRunCreated(
    'run_created with a run id containing a NUL byte',
    'runId',
    valid,
    `wrun_${uid()}\u0000`,
  ),
  badRunCreated(
    'run_created with a 200-character run id',
    'runId',
    valid,
    `wrun_${'x'.repeat(200)}`,
  ),
  {
    name: 'run_created of a newer spec version → RunNotSupportedError, nothing written',
    async run(t) {
      const world = await t.world();
      const runId = newRunId();
      const newer = RUN_SPEC_VERSION_MAX + 1;
      await expectRejects(
        `specVersion ${newer}`,
        world.events.create(runId, { ...valid, specVersion: newer } as never),
        {
          name: 'RunNotSupportedError',
        },
      );
      await expectRejects('runs.get', world.runs.get(runId), { name: 'WorkflowRunNotFoundError' });
    },
  },
  badEvent('a non-object event', undefined, () => 'step_created' as never),
  badEvent('step_created without correlationId', 'correlationId', () => {
    const { correlationId: _omitted, ...rest } = ev.stepCreated(newStepId());
    return rest;
  }),
  badEvent('step_created with a correlationId containing "/"', 'correlationId', () =>
    ev.stepCreated('step_../../etc'),
  ),
  badEvent('step_created without stepName', 'eventData.stepName', () => ({
    ...ev.stepCreated(newStepId()),
    eventData: { input: payload() },
  })),
  badEvent('step_created with a NUL character in its stepName', 'eventData.stepName', () => ({
    ...ev.stepCreated(newStepId()),
    eventData: { stepName: 'step//./x//charge\u0000', input: payload() },
  })),
  badEvent('step_started with a non-string correlationId', 'correlationId', () => ({
    ...ev.stepStarted(newStepId()),
    correlationId: 7,
  })),
  badEvent(
    'step_retrying with an invalid retryAfter date',
    'eventData.retryAfter',
    ({ stepId }) => ({
      ...ev.stepRetrying(stepId),
      eventData: { error: 'x', retryAfter: 'not a date' },
    }),
  ),
  badEvent('hook_created with an empty token', 'eventData.token', () =>
    ev.hookCreated(newHookId(), ''),
  ),
  badEvent('hook_created with a NUL character in its token', 'eventData.token', () =>
    ev.hookCreated(newHookId(), `tok-${uid()}\u0000`),
  ),
  {
    name: 'hooks.getByToken with a NUL character in the token → HookNotFoundError',
    async run(t) {
      const world = await t.world();
      await expectRejects('getByToken', world.hooks.getByToken(`tok-${uid()}\u0000`), {
        name: 'HookNotFoundError',
        status: 404,
      });
    },
  },
  badEvent('hook_created without a token', 'eventData.token', () => ({
    ...ev.hookCreated(newHookId(), 'x'),
    eventData: { isWebhook: false },
  })),
  badEvent('hook_created with a non-boolean isWebhook', 'eventData.isWebhook', () => ({
    ...ev.hookCreated(newHookId(), newToken()),
    eventData: { token: newToken(), isWebhook: 'yes' },
  })),
  badEvent('hook_conflict sent by a client', 'eventType', ({ hookId }) => ({
    eventType: 'hook_conflict',
    specVersion: 3,
    correlationId: hookId,
    eventData: { token: 'x', conflictingRunId: newRunId() },
  })),
  badEvent('wait_created without resumeAt', 'eventData.resumeAt', () => ({
    ...ev.waitCreated(`wait_${uid()}`, new Date()),
    eventData: {},
  })),
  badEvent('wait_created with an invalid resumeAt', 'eventData.resumeAt', () => ({
    ...ev.waitCreated(`wait_${uid()}`, new Date()),
    eventData: { resumeAt: 'soon' },
  })),
  badEvent('step_created with a non-integer specVersion', 'specVersion', () => ({
    ...ev.stepCreated(newStepId()),
    specVersion: 2.5,
  })),
  badParams('a non-numeric stateUpdatedAt', 'params.stateUpdatedAt', {
    stateUpdatedAt: 'yesterday',
  }),
  badParams('a malformed lastKnownEventId', 'params.lastKnownEventId', {
    lastKnownEventId: 'evnt_/../x',
  }),
  badParams('an unknown resolveData', 'params.resolveData', { resolveData: 'some' }),
  badEvent(
    'a run id with a path separator on a step event',
    'runId',
    () => ev.stepCreated(newStepId()),
    undefined,
    'wrun_a/b',
  ),

  // Every correlated event type refuses an empty or unsafe correlation id.
  ...Object.entries(VALID_CORRELATED).map(([eventType, valid]) =>
    badEvent(`${eventType} with an empty correlationId`, 'correlationId', (ids) => ({
      ...valid(ids),
      correlationId: '',
    })),
  ),
  badEvent('step_completed without a result', 'eventData', ({ stepId }) => ({
    eventType: 'step_completed',
    specVersion: 3,
    correlationId: stepId,
  })),
  badEvent('hook_received without a payload', 'eventData', ({ hookId }) => ({
    eventType: 'hook_received',
    specVersion: 3,
    correlationId: hookId,
  })),
  badEvent('run_completed with eventData that is not an object', 'eventData', () => ({
    eventType: 'run_completed',
    specVersion: 3,
    eventData: 'done',
  })),
  badEvent('run_failed without eventData', 'eventData', () => ({
    eventType: 'run_failed',
    specVersion: 3,
  })),

  // ── payloads no encoder can store ────────────────────────────────────────────────────────
  unstorablePayload('step_created with a cyclic input', 'eventData.input', () => ({
    ...ev.stepCreated(newStepId()),
    eventData: { stepName: 'step//./conformance//work', input: cyclicObject() },
  })),
  unstorablePayload(
    'step_completed with a function in its result',
    'eventData.result',
    ({ stepId }) => ({
      ...ev.stepCompleted(stepId),
      eventData: { result: { total: 3, format: () => 'three' } },
    }),
  ),
  unstorablePayload('hook_received with a symbol payload', 'eventData.payload', ({ hookId }) => ({
    ...ev.hookReceived(hookId, 'x'),
    eventData: { payload: Symbol('payload') },
  })),
  unstorablePayload(
    'run_completed with an output nested 5,000 levels deep',
    'eventData.output',
    () => ({ ...ev.runCompleted(), eventData: { output: nestedObjects(5000) } }),
  ),
  unstorablePayload(
    `run_completed with an output nested ${MAX_NESTING_DEPTH + 1} levels deep`,
    'eventData.output',
    () => ({ ...ev.runCompleted(), eventData: { output: nestedObjects(MAX_NESTING_DEPTH + 1) } }),
  ),
  unstorablePayload('step_failed with a cyclic error', 'eventData.error', ({ stepId }) => ({
    ...ev.stepFailed(stepId),
    eventData: { error: cyclicObject() },
  })),
  unstorablePayload('hook_created with a Promise in its metadata', 'eventData.metadata', () => ({
    ...ev.hookCreated(newHookId(), newToken()),
    eventData: { token: newToken(), metadata: { ready: Promise.resolve(true) } },
  })),
  {
    name: 'run_created with a function in its executionContext → 400 naming eventData.executionContext, no run created',
    async run(t) {
      const world = await t.world();
      const runId = newRunId();
      const error = await expectRejects(
        'run_created',
        () =>
          world.events.create(
            runId,
            ev.runCreated({ executionContext: { onDone: () => 1 } }) as never,
          ),
        { name: 'WorkflowWorldError', status: 400, code: 'INVALID_INPUT' },
      );
      expect(error.field).toBe('eventData.executionContext');
      await expectRejects('runs.get', world.runs.get(runId), { name: 'WorkflowRunNotFoundError' });
    },
  },
  {
    name: `a step input nested ${MAX_NESTING_DEPTH} levels deep with BigInt, Map and Set values is stored and read back`,
    async run(t) {
      const world = await t.world();
      const runId = await createRun(world, { started: true });
      const stepId = newStepId();
      // The Map and the Set are the deepest containers, at level MAX_NESTING_DEPTH.
      const input = nestedObjects(MAX_NESTING_DEPTH - 2, {
        big: 2n ** 80n,
        map: new Map([['a', 1]]),
        set: new Set(['b']),
      });
      await append(world, runId, {
        ...ev.stepCreated(stepId),
        eventData: { stepName: 's', input },
      });
      expect((await world.steps.get(runId, stepId)).input).toEqual(input);
    },
  },

  // ── queue() ──────────────────────────────────────────────────────────────────────────────
  ...(
    [
      [
        'queue() with a name outside the workflow and step prefixes',
        'queueName',
        [`orders_${uid()}`, { runId: newRunId() }],
      ],
      [
        'queue() with an empty name after the prefix',
        'queueName',
        ['__wkf_workflow_', { runId: newRunId() }],
      ],
      ['queue() with an undefined payload', 'payload', [workflowQueue(), undefined]],
      [
        'queue() with a numeric idempotencyKey',
        'opts.idempotencyKey',
        [workflowQueue(), { runId: newRunId() }, { idempotencyKey: 5 }],
      ],
      [
        'queue() with a negative delaySeconds',
        'opts.delaySeconds',
        [workflowQueue(), { runId: newRunId() }, { delaySeconds: -1 }],
      ],
      [
        'queue() with a NUL character in its deploymentId',
        'opts.deploymentId',
        [workflowQueue(), { runId: newRunId() }, { deploymentId: 'd\u0000' }],
      ],
      [
        'queue() with an empty idempotencyKey',
        'opts.idempotencyKey',
        [workflowQueue(), { runId: newRunId() }, { idempotencyKey: '' }],
      ],
      [
        'queue() with a header that is not a string',
        'opts.headers',
        [workflowQueue(), { runId: newRunId() }, { headers: { n: 1 } }],
      ],
      ['queue() with a string payload', 'payload', [workflowQueue(), 'wake up']],
      [
        'queue() with a payload that holds a function',
        'payload',
        [workflowQueue(), { runId: newRunId(), runInput: { input: () => {} } }],
      ],
    ] as const
  ).map(
    ([name, field, args]): ConformanceCase => ({
      name,
      async run(t) {
        const world = await t.world();
        await expectInvalid(
          name,
          () => world.queue(...(args as unknown as Parameters<World['queue']>)),
          field,
        );
      },
    }),
  ),

  // ── streams ──────────────────────────────────────────────────────────────────────────────
  {
    name: 'writeToStream with a number chunk → 400, nothing written',
    async run(t) {
      const world = await t.world();
      const name = `strm_${uid()}`;
      const runId = newRunId();
      await expectInvalid(
        'number chunk',
        () => world.writeToStream(name, runId, 42 as never),
        'chunk',
      );
      await streamUnchanged(world, name, runId);
    },
  },
  {
    name: 'writeToStream with an empty stream name → 400',
    async run(t) {
      await expectInvalid(
        'empty name',
        async () => (await t.world()).writeToStream('', newRunId(), 'x'),
        'name',
      );
    },
  },
  {
    name: 'writeToStream with a run id containing "/" → 400, nothing written',
    async run(t) {
      const world = await t.world();
      const name = `strm_${uid()}`;
      await expectInvalid('bad run id', () => world.writeToStream(name, 'wrun_../x', 'x'), 'runId');
      await streamUnchanged(world, name, newRunId());
    },
  },
  {
    name: 'writeToStreamMulti with one bad chunk → 400, none of the chunks written',
    async run(t) {
      const world = await t.world();
      const name = `strm_${uid()}`;
      const runId = newRunId();
      // Without the batch member the runtime writes chunk by chunk: only the bad one is refused.
      const chunks = world.writeToStreamMulti ? ['a', {} as never, 'c'] : [{} as never];
      await expectInvalid('a bad chunk among good ones', () =>
        multiWriter(world)(name, runId, chunks),
      );
      await streamUnchanged(world, name, runId);
    },
  },
  {
    name: 'closeStream with a stream name containing control characters → 400',
    async run(t) {
      await expectInvalid(
        'control characters',
        async () => (await t.world()).closeStream('strm_\u0001', newRunId()),
        'name',
      );
    },
  },

  // ── list pagination ──────────────────────────────────────────────────────────────────────
  ...(
    [
      ['a limit of 0', { limit: 0 }, 'pagination.limit'],
      ['a negative limit', { limit: -5 }, 'pagination.limit'],
      ['a fractional limit', { limit: 1.5 }, 'pagination.limit'],
      ['an unknown sortOrder', { sortOrder: 'sideways' }, 'pagination.sortOrder'],
    ] as const
  ).flatMap(([label, pagination, field]): ConformanceCase[] => [
    {
      name: `events.list with ${label} → 400`,
      async run(t) {
        const world = await t.world();
        const runId = await createRun(world);
        await expectInvalid(
          label,
          () => world.events.list({ runId, pagination: pagination as never }),
          field,
        );
      },
    },
    {
      name: `runs.list with ${label} → 400`,
      async run(t) {
        await expectInvalid(
          label,
          async () => (await t.world()).runs.list({ pagination: pagination as never }),
          field,
        );
      },
    },
  ]),
  {
    name: 'an unknown cursor on runs, steps, hooks and listByCorrelationId → 400',
    async run(t) {
      const world = await t.world();
      const runId = await createRun(world);
      const cursor = { cursor: `bogus-${uid()}` };
      await expectInvalid('runs.list', () => world.runs.list({ pagination: cursor }));
      await expectInvalid('steps.list', () => world.steps.list({ runId, pagination: cursor }));
      await expectInvalid('hooks.list', () => world.hooks.list({ runId, pagination: cursor }));
      await expectInvalid('listByCorrelationId', () =>
        world.events.listByCorrelationId({ correlationId: newStepId(), pagination: cursor }),
      );
    },
  },
];
