import { describe, expect, it } from 'vitest';
import { MAX_BATCH_EVENTS, planBatch } from '../src/batch.js';
import { InvalidInputError } from '../src/errors.js';

const RUN = 'wrun_01J00000000000000000000000';
const input = new Uint8Array([1, 2]);
const created = (stepId: string) => ({
  event: {
    eventType: 'step_created',
    correlationId: stepId,
    specVersion: 7,
    eventData: { stepName: 'step//a', input },
  },
});
const started = (stepId: string) => ({
  event: { eventType: 'step_started', correlationId: stepId, specVersion: 7 },
});

function refusal(events: unknown, runId: unknown = RUN): InvalidInputError {
  try {
    planBatch(runId, events, {});
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return error as InvalidInputError;
  }
  throw new Error('planBatch accepted the batch');
}

describe('planBatch', () => {
  it('turns a step_created directly followed by its step_started into one lazy start', () => {
    const plan = planBatch(RUN, [created('step_a'), started('step_a'), created('step_b')], {
      resolveData: 'none',
    });
    expect(plan.size).toBe(3);
    expect(plan.resolveData).toBe('none');
    expect(plan.appends.map(({ answers, pairedStart }) => [answers, pairedStart])).toEqual([
      [0, 1],
      [2, undefined],
    ]);
    expect(plan.appends[0]!.create.event).toMatchObject({
      eventType: 'step_started',
      correlationId: 'step_a',
      eventData: { stepName: 'step//a', input },
    });
  });

  it('keeps a step_started apart from a step_created it does not directly follow', () => {
    const error = refusal([created('step_a'), created('step_b'), started('step_a')]);
    expect(error.field).toBe('events[2].event.eventType');
  });

  it('refuses what is not a batch before looking at any event', () => {
    expect(refusal({}).field).toBe('events');
    expect(refusal([created('step_a')], 'wrun/..').field).toBe('runId');
    const tooMany = Array.from({ length: MAX_BATCH_EVENTS + 1 }, (_, index) =>
      created(`step_${index}`),
    );
    expect(refusal(tooMany).message).toContain(`at most ${MAX_BATCH_EVENTS} events`);
  });

  it('names the offending event and field', () => {
    expect(refusal([created('step_a'), { event: { eventType: 'nope' } }]).field).toMatch(
      /^events\[1\]\.event\./,
    );
    expect(refusal([created('step_a'), 'step_b']).field).toBe('events[1]');
  });
});
