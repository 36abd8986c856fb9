import * as upstream from '@workflow/world';
import { describe, expect, it } from 'vitest';
import {
  EVENT_DATA_REF_FIELDS,
  type Event,
  type EventResult,
  eventForRead,
  type Hook,
  hookForRead,
  resultForRead,
  runForRead,
  type Step,
  stepForRead,
  type WorkflowRun,
} from '../src/index.js';
import { expectExact } from './exact.js';
import { hooks, runs, steps, storedEvents } from './fixtures/runtime-corpus.js';

const byName = (name: string) => storedEvents.find((row) => row.name === name)!.event as Event;
const dataOf = (event: Event) => (event as { eventData?: Record<string, unknown> }).eventData;

describe("resolveData: 'none' on events", () => {
  it.each(storedEvents)('"$name" loses exactly what upstream strips', ({ event }) => {
    const stripped = eventForRead(event as Event, 'none');
    expectExact(stripped, upstream.stripEventDataRefs(event as upstream.Event, 'none'));
    const refs = EVENT_DATA_REF_FIELDS[(event as Event).eventType] ?? [];
    const data = (stripped as { eventData?: Record<string, unknown> }).eventData;
    for (const field of refs) expect(data?.[field]).toBeUndefined();
  });

  it.each([
    [
      'step_created keeps stepName',
      'step_created',
      { stepName: 'step//./src/workflows/order//chargeCard' },
    ],
    [
      'step_retrying keeps retryAfter and stack',
      'step_retrying with retryAfter',
      {
        stepName: 'step//./src/workflows/order//chargeCard',
        stack: 'Error: gateway timeout',
        retryAfter: dataOf(byName('step_retrying with retryAfter'))!.retryAfter,
      },
    ],
    [
      'hook_created keeps token and isWebhook',
      'hook_created (createHook: isWebhook false, metadata)',
      {
        token: 'order:ord_1:approval',
        isWebhook: false,
      },
    ],
    ['hook_received keeps token', 'hook_received with token', { token: 'order:ord_1:approval' }],
    ['wait_created keeps resumeAt', 'wait_created', dataOf(byName('wait_created'))],
    [
      'wait_completed keeps resumeAt',
      'wait_completed with resumeAt',
      dataOf(byName('wait_completed with resumeAt')),
    ],
    [
      'run_created keeps the deployment, name and context',
      'run_created with executionContext',
      {
        deploymentId: 'dpl_local@0.1.0',
        workflowName: 'workflow//./src/workflows/order//processOrder',
        executionContext: dataOf(byName('run_created with executionContext'))!.executionContext,
      },
    ],
    ['run_failed keeps errorCode', 'run_failed with errorCode', { errorCode: 'USER_ERROR' }],
  ])('%s', (_row, name, expected) => {
    expectExact(dataOf(eventForRead(byName(name), 'none')), expected);
  });

  it.each([
    ['run_completed', 'run_completed'],
    ['hook_received without token', 'hook_received without token'],
    ['run_failed without errorCode', 'run_failed without errorCode or stack'],
  ])('drops eventData left empty (%s)', (_row, name) => {
    expect('eventData' in eventForRead(byName(name), 'none')).toBe(false);
  });

  it("returns events unchanged with 'all' and never mutates its input", () => {
    const event = byName('step_completed');
    const before = structuredClone(event);
    expect(eventForRead(event, 'all')).toBe(event);
    eventForRead(event, 'none');
    expectExact(event, before);
  });
});

describe("resolveData: 'none' on entities and results", () => {
  const run = runs.find((row) => row.name === 'completed')!.run as WorkflowRun;
  const failed = runs.find((row) => row.name === 'failed with a code')!.run as WorkflowRun;
  const step = steps.find((row) => row.name === 'completed')!.step as Step;
  const hook = hooks[0]!.hook as Hook;

  it('clears run input and output, keeping the error and everything else', () => {
    const stripped = runForRead(run, 'none');
    expect(stripped.input).toBeUndefined();
    expect(stripped.output).toBeUndefined();
    expect(stripped).toMatchObject({ runId: run.runId, startedAt: run.startedAt, specVersion: 3 });
    expect(runForRead(failed, 'none').error).toEqual(failed.error);
    expect(runForRead(run)).toBe(run);
  });

  it('clears step input and output, keeping attempt and error', () => {
    const stripped = stepForRead(step, 'none');
    expect(stripped.input).toBeUndefined();
    expect(stripped.output).toBeUndefined();
    expect(stripped).toMatchObject({ attempt: 3, stepName: step.stepName });
  });

  it('removes hook metadata, keeping token, isWebhook and specVersion', () => {
    const stripped = hookForRead(hook, 'none');
    expect('metadata' in stripped).toBe(false);
    expect(stripped).toMatchObject({ token: hook.token, isWebhook: false, specVersion: 3 });
  });

  it('shapes every part of an events.create result', () => {
    const event = byName('run_completed');
    const result: EventResult = { event, run, step, hook, events: [event, byName('step_created')] };
    const shaped = resultForRead(result, 'none');
    expect('eventData' in shaped.event!).toBe(false);
    expect(shaped.run!.output).toBeUndefined();
    expect(shaped.step!.input).toBeUndefined();
    expect('metadata' in shaped.hook!).toBe(false);
    expect(shaped.events!.map((e) => (e as { eventData?: unknown }).eventData)).toEqual([
      undefined,
      { stepName: 'step//./src/workflows/order//chargeCard' },
    ]);
    expect(resultForRead(result, 'all')).toBe(result);
  });
});
