import { describe, expect, it } from 'vitest';
import {
  InvalidInputError,
  isHookToken,
  RUN_SPEC_VERSION_MAX,
  RunNotSupportedError,
  validateCreateEvent,
} from '../src/index.js';

const RUN = 'wrun_01KC5Z4XW3J8Q2V6N9R7T0B1C4';
const runCreated = (specVersion?: number) => ({
  eventType: 'run_created',
  ...(specVersion === undefined ? {} : { specVersion }),
  eventData: { deploymentId: 'dpl', workflowName: 'workflow//./a//b', input: new Uint8Array(1) },
});
const hookCreated = (token: string) => ({
  eventType: 'hook_created',
  correlationId: 'hook_1',
  eventData: { token },
});
const stepStarted = { eventType: 'step_started', correlationId: 'step_1' };

function refusal(runId: unknown, data: unknown, params?: unknown): unknown {
  try {
    validateCreateEvent(runId, data, params);
  } catch (error) {
    return error;
  }
  throw new Error('expected validateCreateEvent to refuse');
}

describe('validateCreateEvent refusals name the field', () => {
  it.each([
    ['a run id with a path separator', '../wrun_1', stepStarted, undefined, 'runId'],
    ['a run id with a slash', 'wrun/1', stepStarted, undefined, 'runId'],
    ['an empty run id on a non-creation event', '', stepStarted, undefined, 'runId'],
    ['a null run id on a non-creation event', null, stepStarted, undefined, 'runId'],
    ['a run id over 128 characters', `wrun_${'a'.repeat(124)}`, stepStarted, undefined, 'runId'],
    [
      'a correlation id with a dot and slash',
      RUN,
      { ...stepStarted, correlationId: 'step_1/../x' },
      undefined,
      'correlationId',
    ],
    ['a missing correlation id', RUN, { eventType: 'step_started' }, undefined, 'correlationId'],
    [
      'hook_conflict, which only the World writes',
      RUN,
      { eventType: 'hook_conflict', correlationId: 'hook_1', eventData: { token: 't' } },
      undefined,
      'eventType',
    ],
    ['an unknown event type', RUN, { eventType: 'run_paused' }, undefined, 'eventType'],
    ['an empty token', RUN, hookCreated(''), undefined, 'eventData.token'],
    [
      'a step name with NUL',
      RUN,
      {
        eventType: 'step_created',
        correlationId: 'step_1',
        eventData: { stepName: 'a\u0000', input: 1 },
      },
      undefined,
      'eventData.stepName',
    ],
    [
      'a workflow name with NUL',
      null,
      {
        eventType: 'run_created',
        eventData: { deploymentId: 'd', workflowName: 'w\u0000', input: 1 },
      },
      undefined,
      'eventData.workflowName',
    ],
    [
      'a token over 2048 characters',
      RUN,
      hookCreated('t'.repeat(2049)),
      undefined,
      'eventData.token',
    ],
    [
      'a token with a NUL character',
      RUN,
      hookCreated('order\u00001'),
      undefined,
      'eventData.token',
    ],
    ['a run of spec version 1', RUN, runCreated(1), undefined, 'specVersion'],
    ['a fractional spec version', RUN, runCreated(2.5), undefined, 'specVersion'],
    [
      'missing eventData',
      RUN,
      { eventType: 'step_created', correlationId: 'step_1' },
      undefined,
      'eventData',
    ],
    [
      'a resumeAt that is not a date',
      RUN,
      { eventType: 'wait_created', correlationId: 'wait_1', eventData: { resumeAt: 'soon' } },
      undefined,
      'eventData.resumeAt',
    ],
    [
      'a string stateUpdatedAt',
      RUN,
      stepStarted,
      { stateUpdatedAt: '123' },
      'params.stateUpdatedAt',
    ],
    [
      'a NaN stateUpdatedAt',
      RUN,
      stepStarted,
      { stateUpdatedAt: Number.NaN },
      'params.stateUpdatedAt',
    ],
    [
      'a lastKnownEventId with a slash',
      RUN,
      stepStarted,
      { lastKnownEventId: 'evnt/1' },
      'params.lastKnownEventId',
    ],
    [
      'an empty lastKnownEventId',
      RUN,
      stepStarted,
      { lastKnownEventId: '' },
      'params.lastKnownEventId',
    ],
    [
      'a resolveData that is neither all nor none',
      RUN,
      stepStarted,
      { resolveData: 'some' },
      'params.resolveData',
    ],
    ['params that are not an object', RUN, stepStarted, 'fast', 'params'],
  ])('refuses %s', (_row, runId, data, params, field) => {
    const error = refusal(runId, data, params);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({
      name: 'WorkflowWorldError',
      status: 400,
      code: 'INVALID_INPUT',
      field,
    });
    expect((error as Error).message).toContain(field);
  });

  it('refuses a run of a spec version beyond RUN_SPEC_VERSION_MAX with RunNotSupportedError', () => {
    const newer = RUN_SPEC_VERSION_MAX + 1;
    const error = refusal(RUN, runCreated(newer), undefined);
    expect(error).toBeInstanceOf(RunNotSupportedError);
    expect(error).toMatchObject({ name: 'RunNotSupportedError', runSpecVersion: newer });
  });

  it('accepts runs of every spec version up to RUN_SPEC_VERSION_MAX', () => {
    for (let specVersion = 2; specVersion <= RUN_SPEC_VERSION_MAX; specVersion++) {
      expect(validateCreateEvent(RUN, runCreated(specVersion), undefined).runId).toBe(RUN);
    }
  });
});

describe('validateCreateEvent normalization', () => {
  it('gives run_created without a run id a new one, and keeps a given one', () => {
    expect(validateCreateEvent(null, runCreated(3), undefined).runId).toMatch(
      /^wrun_[0-9A-Z]{26}$/,
    );
    expect(validateCreateEvent('', runCreated(), undefined).runId).toMatch(/^wrun_/);
    expect(validateCreateEvent(RUN, runCreated(2), undefined).runId).toBe(RUN);
  });

  it('coerces dates, drops unknown keys and ignores unknown params', () => {
    const validated = validateCreateEvent(
      RUN,
      {
        eventType: 'wait_created',
        correlationId: 'wait_1',
        eventData: { resumeAt: '2026-01-15T09:30:00.123Z', extra: 1 },
        requestId: 'not part of the event',
      },
      { stateUpdatedAt: 5, lastKnownEventId: 'evnt_1', asOfTimestamp: 9, resolveData: 'none' },
    );
    expect(validated.event).toEqual({
      eventType: 'wait_created',
      correlationId: 'wait_1',
      eventData: { resumeAt: new Date('2026-01-15T09:30:00.123Z') },
    });
    expect(validated.params).toEqual({
      stateUpdatedAt: 5,
      lastKnownEventId: 'evnt_1',
      resolveData: 'none',
    });
  });

  it('accepts tokens of any characters within the length limit', () => {
    const token = 'order:123/ä ✓\u00a0'.padEnd(2048, 'x');
    expect(validateCreateEvent(RUN, hookCreated(token), {}).event).toMatchObject({
      eventData: { token },
    });
  });
});

describe('validateCreateEvent refuses payloads no World can store', () => {
  const cyclic: Record<string, unknown> = { id: 1 };
  cyclic.self = cyclic;
  const withFunction = { callback: () => 1 };

  it.each<[string, Record<string, unknown>, string]>([
    [
      'run_created input',
      { ...runCreated(), eventData: { ...runCreated().eventData, input: cyclic } },
      'eventData.input',
    ],
    [
      'run_created executionContext',
      {
        ...runCreated(),
        eventData: { ...runCreated().eventData, executionContext: { trace: withFunction } },
      },
      'eventData.executionContext',
    ],
    [
      'a bootstrapping run_started input',
      { eventType: 'run_started', eventData: { input: withFunction } },
      'eventData.input',
    ],
    [
      'run_completed output',
      { eventType: 'run_completed', eventData: { output: cyclic } },
      'eventData.output',
    ],
    [
      'run_failed error',
      { eventType: 'run_failed', eventData: { error: withFunction } },
      'eventData.error',
    ],
    [
      'step_created input',
      {
        eventType: 'step_created',
        correlationId: 'step_1',
        eventData: { stepName: 's', input: Symbol('s') },
      },
      'eventData.input',
    ],
    [
      'step_completed result',
      { eventType: 'step_completed', correlationId: 'step_1', eventData: { result: cyclic } },
      'eventData.result',
    ],
    [
      'step_failed error',
      { eventType: 'step_failed', correlationId: 'step_1', eventData: { error: cyclic } },
      'eventData.error',
    ],
    [
      'step_retrying error',
      { eventType: 'step_retrying', correlationId: 'step_1', eventData: { error: withFunction } },
      'eventData.error',
    ],
    [
      'hook_created metadata',
      { ...hookCreated('t'), eventData: { token: 't', metadata: cyclic } },
      'eventData.metadata',
    ],
    [
      'hook_received payload',
      { eventType: 'hook_received', correlationId: 'hook_1', eventData: { payload: withFunction } },
      'eventData.payload',
    ],
  ])('%s', (_row, data, field) => {
    const error = refusal(RUN, data);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ status: 400, code: 'INVALID_INPUT', field });
    expect((error as Error).message).toMatch(/cannot be stored/);
  });

  it('accepts BigInt, Map and Set payloads, which every codec stores', () => {
    const input = { big: 2n ** 80n, map: new Map([['a', 1]]), set: new Set([1]) };
    const event = {
      eventType: 'step_created',
      correlationId: 'step_1',
      eventData: { stepName: 's', input },
    };
    expect(validateCreateEvent(RUN, event, {}).event).toMatchObject({ eventData: { input } });
  });
});

describe('isHookToken', () => {
  it('is true exactly for tokens hook_created accepts', () => {
    expect(isHookToken('order:1')).toBe(true);
    expect(isHookToken('t'.repeat(2048))).toBe(true);
    expect(isHookToken('')).toBe(false);
    expect(isHookToken('t'.repeat(2049))).toBe(false);
    expect(isHookToken('order\u00001')).toBe(false);
    expect(isHookToken(7)).toBe(false);
  });
});
